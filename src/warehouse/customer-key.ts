/**
 * The customer key as stored in `customer.customer_unique_id`, from the text a source or a caller gives (a SQL
 * expression over `x`). Spreadsheets and pandas export integer ids as floats, so `17850.0` is customer `17850`;
 * `nan`, `null`, `none`, `na` and `n/a` mean missing (NULL). The importers store keys through it and the API looks
 * customers up through it, so an id is found the way it was loaded.
 */
export function sqlCustomerKey(x: string): string {
  return `CASE WHEN length(${x}) <= 4 AND lower(${x}) IN ('nan', 'null', 'none', 'na', 'n/a') THEN NULL
    WHEN strpos(${x}, '.') > 0 AND ${x} ~ '^[+-]?\\d+\\.0+$' THEN split_part(${x}, '.', 1)
    ELSE ${x} END`;
}

/**
 * A typed id prefix as the stored ids are spelled: trimmed, and a whole float-looking id ("17850.0") cut to its
 * integer part, as sqlCustomerKey above stores them.
 */
export function normalizeIdPrefix(raw: string): string {
  const t = raw.trim();
  return /^[+-]?\d+\.0+$/.test(t) ? t.split('.')[0] : t;
}
