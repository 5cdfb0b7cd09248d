export type ExportKind = "reports" | "submissions" | "ledger";

function isoDay(moment: Date): string {
  return moment.toISOString().slice(0, 10);
}

/** The last `days` UTC days up to today, both included: the range the form starts with. */
export function defaultRange(now: Date, days = 7): { from: string; to: string } {
  const start = new Date(now.getTime() - (days - 1) * 86_400_000);
  return { from: isoDay(start), to: isoDay(now) };
}

/** The file name the API gives in `Content-Disposition`, else one made from the export's kind and range. */
export function downloadName(disposition: string | null, kind: ExportKind, from: string, to: string): string {
  const named = /filename="?([^";]+)"?/i.exec(disposition ?? "");
  return named?.[1] ?? `${kind}-${from}-${to}.csv`;
}
