// @vitest-environment happy-dom
import { apiError } from "@ecopulse/api-client";
import { describe, expect, it, vi } from "vitest";
import { h, onSubmit, percent, plural, showError, showInfo, statusLine } from "./dom";

describe("the element builder", () => {
  it("sets attributes, skips absent ones and adds listeners", () => {
    const clicked = vi.fn();
    const button = h("button", { type: "button", class: "primary", disabled: false, hidden: true, onclick: clicked }, "Approve", null);
    button.click();
    expect(button.outerHTML).toBe('<button type="button" class="primary" hidden="">Approve</button>');
    expect(clicked).toHaveBeenCalledOnce();
  });
});

describe("a status line", () => {
  it("shows the API's message as an error, and an answer as information", () => {
    const status = statusLine("vehicle-form-status");
    showError(status, apiError(409, { error: { code: "vehicle_exists", message: "the city has a vehicle with this id already" } }));
    expect([status.textContent, status.classList.contains("error")]).toEqual(["the city has a vehicle with this id already", true]);
    showInfo(status, "Added Truck 7.");
    expect([status.textContent, status.classList.contains("error")]).toEqual(["Added Truck 7.", false]);
    expect(status.getAttribute("role")).toBe("status");
  });

  it("by a form shows why the form's action was refused", async () => {
    const status = statusLine();
    const form = h("form", {}, status);
    onSubmit(form, status, () => Promise.reject(apiError(422, { error: { code: "invalid_thresholds", message: "the auto-reject threshold must not exceed the auto-approve one" } })));
    form.dispatchEvent(new Event("submit", { cancelable: true }));
    await vi.waitFor(() => expect(status.textContent).toBe("the auto-reject threshold must not exceed the auto-approve one"));
  });
});

describe("numbers", () => {
  it("read as people say them", () => {
    expect(percent(0.4567)).toBe("45.7 %");
    expect(percent(null)).toBe("—");
    expect(plural(1, "subscriber")).toBe("1 subscriber");
    expect(plural(3, "subscriber")).toBe("3 subscribers");
  });
});
