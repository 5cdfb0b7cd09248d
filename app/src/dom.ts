import { describeError } from "@ecopulse/api-client";

type Child = Node | string | null | undefined | false;
type Attribute = string | number | boolean | null | undefined | ((event: never) => unknown);

/** A tiny element builder, as the dashboard's: attributes starting with "on" become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, Attribute> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === "function") {
      if (name.startsWith("on")) element.addEventListener(name.slice(2).toLowerCase(), value as EventListener);
    } else if (name === "class") {
      element.className = String(value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** A polite live region where the citizen acted: screen readers hear the result, the API's message on refusal. */
export function statusLine(id?: string): HTMLParagraphElement {
  return h("p", { class: "status", role: "status", "aria-live": "polite", id });
}

export function say(target: HTMLElement, text: string): void {
  target.textContent = text;
  target.classList.remove("error");
}

export function showError(target: HTMLElement, error: unknown): void {
  target.textContent = describeError(error);
  target.classList.add("error");
}

/** A labelled form field: the label names the control for screen readers and enlarges its touch target. */
export function field(label: string, control: HTMLElement & { id: string }, hint?: string): HTMLElement {
  const hintId = hint ? `${control.id}-hint` : undefined;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: control.id }, label),
    control,
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
  );
}
