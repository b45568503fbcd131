/** Name normalisation for catalog lookups: case, punctuation and the organisation prefix do not matter. */

/** The key a name is looked up under: lower case, only letters and digits. */
export function nameKey(name: string): string {
  return name.trim().toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** The model name without its organisation prefix (`meta-llama/Llama-3.1-8B-Instruct` -> `Llama-3.1-8B-Instruct`). */
export function withoutOrg(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? name : name.slice(i + 1);
}
