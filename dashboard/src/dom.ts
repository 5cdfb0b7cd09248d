import { describeError } from "@ecopulse/api-client";

type Child = Node | string | null | undefined | false;
type Attribute = string | number | boolean | null | undefined | ((event: never) => unknown);

/** A tiny element builder: attributes starting with "on" become listeners. */
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

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : `${(value * 100).toFixed(1)} %`;
}

export function when(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function ago(iso: string): string {
  const seconds = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
  if (seconds < 90) return `${Math.round(seconds)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 129600) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

export function humanize(name: string): string {
  return name.replace(/_/g, " ");
}

/** A polite live region where the admin acted (a form, a table): screen readers hear the result, the API's
 * message when it refused. */
export function statusLine(id?: string): HTMLParagraphElement {
  return h("p", { class: "status", role: "status", "aria-live": "polite", id });
}

export function showError(target: HTMLElement, error: unknown): void {
  target.textContent = describeError(error);
  target.classList.add("error");
}

export function showInfo(target: HTMLElement, message: string): void {
  target.textContent = message;
  target.classList.remove("error");
}

/** Runs an action on a form's submit without leaving the page; a refusal shows in `status`, by the form. */
export function onSubmit(form: HTMLFormElement, status: HTMLElement, action: () => Promise<void>): void {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    action().catch((error: unknown) => showError(status, error));
  });
}

/** Runs an action on a click; a refusal shows in `status`. */
export function onClick(target: HTMLElement, status: HTMLElement, action: () => Promise<void>): void {
  target.addEventListener("click", () => {
    action().catch((error: unknown) => showError(status, error));
  });
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
