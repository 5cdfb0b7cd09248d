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

export type Screen = (root: HTMLElement, context: Context) => (() => void) | void;
