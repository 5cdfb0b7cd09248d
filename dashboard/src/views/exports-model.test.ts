import { describe, expect, it } from "vitest";
import { defaultRange, downloadName } from "./exports-model";

describe("the export form's range", () => {
  it("is the last seven UTC days, today included", () => {
    expect(defaultRange(new Date("2026-12-07T01:30:00Z"))).toEqual({ from: "2026-12-01", to: "2026-12-07" });
  });
});

describe("a download's file name", () => {
  it("is the one the API gives", () => {
    expect(downloadName('attachment; filename="ledger-2026-12-01-2026-12-07.csv"', "ledger", "a", "b")).toBe(
      "ledger-2026-12-01-2026-12-07.csv",
    );
  });

  it("is made from the kind and range when the API gives none", () => {
    expect(downloadName(null, "reports", "2026-12-01", "2026-12-07")).toBe("reports-2026-12-01-2026-12-07.csv");
  });
});
