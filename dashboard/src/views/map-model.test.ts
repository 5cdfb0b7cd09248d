import { describe, expect, it } from "vitest";
import type { Report } from "../api";
import { chosenStatuses, visibleReports } from "./map-model";

describe("the map's filters", () => {
  it("load one status, or every open one when none is chosen", () => {
    expect(chosenStatuses("resolved")).toEqual(["resolved"]);
    expect(chosenStatuses("")).toEqual(["submitted", "verified", "dispatched"]);
    expect(chosenStatuses("anything else")).toEqual(["submitted", "verified", "dispatched"]);
  });

  it("show the reports of the checked waste types", () => {
    const reports = [{ waste_type: "glass" }, { waste_type: "plastic" }] as Report[];
    expect(visibleReports(reports, new Set(["plastic"]))).toEqual([reports[1]]);
  });
});
