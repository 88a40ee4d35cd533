/**
 * GTIN rules (GS1): 8, 12, 13 or 14 digits, the last a mod-10 check digit
 * weighted 3,1,3,... from the right. GTINs compare as 14-digit numbers, so a
 * GTIN-12 and the same code zero-padded to 13 or 14 digits are one product.
 */
export function isValidGtin(gtin: string): boolean {
  if (!/^(\d{8}|\d{12}|\d{13}|\d{14})$/.test(gtin)) return false;
  const digits = [...gtin].map(Number);
  const check = digits.pop()!;
  const sum = digits.reverse().reduce((acc, d, i) => acc + d * (i % 2 === 0 ? 3 : 1), 0);
  return (10 - (sum % 10)) % 10 === check;
}

/** The 14-digit form a GTIN is compared by. Call only on a valid GTIN. */
export const normalizeGtin = (gtin: string): string => gtin.padStart(14, "0");
