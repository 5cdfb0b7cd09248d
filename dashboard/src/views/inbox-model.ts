interface Message {
  read: boolean;
  created_at: string;
}

/** Messages the admin has not seen: not marked read, and newer than when they last opened the bell (`seenAt`, an ISO
 * time, or null when never). */
export function unread<T extends Message>(messages: readonly T[], seenAt: string | null): T[] {
  const seen = seenAt ? Date.parse(seenAt) : -Infinity;
  return messages.filter((message) => !message.read && Date.parse(message.created_at) > seen);
}

/** The bell's label for screen readers and its badge. */
export function bellLabel(count: number): string {
  if (!count) return "Notifications, none unread";
  return `Notifications, ${count} unread`;
}
