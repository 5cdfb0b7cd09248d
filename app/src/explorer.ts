const TRANSACTION_HASH = /^0x[0-9a-fA-F]{64}$/;

/** The block explorer's page of a transaction, when the deployment names an explorer (its address of a
 * transaction without the hash, e.g. https://amoy.polygonscan.com/tx/); else null, and the hash is shown as is. */
export function transactionUrl(explorerUrl: string | undefined, hash: string): string | null {
  if (!explorerUrl || !TRANSACTION_HASH.test(hash)) return null;
  let url: URL;
  try {
    url = new URL(explorerUrl + hash);
  } catch {
    return null;
  }
  return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
}
