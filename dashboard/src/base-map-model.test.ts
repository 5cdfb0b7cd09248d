import { describe, expect, it } from "vitest";
import { locationTileUrl } from "./base-map-model";

describe("the Amazon Location base map", () => {
  it("is read tile by tile from the map's region with the browser key", () => {
    expect(locationTileUrl({ name: "ecopulse-prod-base", region: "eu-west-1", key: "v1.public.a+b/c" })).toBe(
      "https://maps.geo.eu-west-1.amazonaws.com/maps/v0/maps/ecopulse-prod-base/tiles/{z}/{x}/{y}?key=v1.public.a%2Bb%2Fc",
    );
  });
});
