import i18next from "i18next";
import en from "./locales/en.json";
import ur from "./locales/ur.json";

export const LANGUAGES = { en: { name: "English", dir: "ltr" }, ur: { name: "اردو", dir: "rtl" } } as const;
export type Language = keyof typeof LANGUAGES;
const LANGUAGE_KEY = "ecopulse.language";

export function isLanguage(value: string | null | undefined): value is Language {
  return !!value && value in LANGUAGES;
}

/** The saved choice, else the first of the browser's languages the app speaks, else English. */
export function preferredLanguage(saved: string | null, browser: readonly string[]): Language {
  if (isLanguage(saved)) return saved;
  const spoken = browser.map((tag) => tag.split("-")[0]).find(isLanguage);
  return spoken ?? "en";
}

export async function startI18n(): Promise<void> {
  await i18next.init({
    lng: preferredLanguage(localStorage.getItem(LANGUAGE_KEY), navigator.languages),
    fallbackLng: "en",
    resources: { en: { translation: en }, ur: { translation: ur } },
    interpolation: { escapeValue: false },
  });
  applyDirection();
}

export async function setLanguage(language: Language): Promise<void> {
  localStorage.setItem(LANGUAGE_KEY, language);
  await i18next.changeLanguage(language);
  applyDirection();
}

export function language(): Language {
  return isLanguage(i18next.language) ? i18next.language : "en";
}

/** Urdu reads right to left: the page's direction flips, and the layout mirrors through logical CSS properties. */
function applyDirection(): void {
  document.documentElement.lang = language();
  document.documentElement.dir = LANGUAGES[language()].dir;
}

export const t = i18next.t.bind(i18next);

export function formatDate(iso: string, locale: string = language()): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function formatNumber(value: number, locale: string = language()): string {
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(value);
}
