import type { Config } from "../api";
import type { Outbox } from "../queue";
import type { Who } from "../session";

export interface Context {
  config: Config;
  who: Who;
  outbox: Outbox;
  /** Sends what the outbox holds and refreshes the counts on screen. */
  flush: () => Promise<void>;
}

/** A screen draws itself in `root`; `id` is what it is opened on when its address names one (`#/mine/<report>`). */
export type Screen = (root: HTMLElement, context: Context, id?: string) => (() => void) | void;
