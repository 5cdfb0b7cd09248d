import { h } from "./dom";

/** A camera button: the file input with `capture` opens the rear camera on a phone (a file chooser elsewhere);
 * the chosen photo is previewed beside it. */
export function photoInput(id: string, label: string, hint: string): {
  element: HTMLElement;
  input: HTMLInputElement;
  chosen: () => File | null;
  clear: () => void;
} {
  const input = h("input", {
    id,
    type: "file",
    accept: "image/*",
    capture: "environment",
    class: "camera-input",
    "aria-describedby": `${id}-hint`,
  });
  const preview = h("img", { class: "preview", alt: "", hidden: true });
  let url: string | null = null;
  function clear(): void {
    if (url) URL.revokeObjectURL(url);
    url = null;
    input.value = "";
    preview.hidden = true;
    preview.removeAttribute("src");
  }
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (url) URL.revokeObjectURL(url);
    url = file ? URL.createObjectURL(file) : null;
    preview.hidden = !url;
    if (url) {
      preview.src = url;
      preview.alt = label;
    }
  });
  const element = h(
    "div",
    { class: "field photo-field" },
    h("label", { for: id, class: "camera-button" }, label),
    input,
    h("p", { class: "hint", id: `${id}-hint` }, hint),
    preview,
  );
  return { element, input, chosen: () => input.files?.[0] ?? null, clear };
}

export function progressBar(id: string, label: string): HTMLProgressElement {
  return h("progress", { id, max: 1, value: 0, "aria-label": label, hidden: true });
}
