import { isValidGtin, normalizeGtin } from "../../src/catalog/product/gtin";
import { gtinCheckDigit, uniqueGtin, withCheckDigit, withWrongCheckDigit } from "../fixtures";

describe("isValidGtin", () => {
  // Published examples: EAN-8, UPC-A (GTIN-12), EAN-13, GTIN-14.
  it.each(["96385074", "036000291452", "4006381333931", "10614141000415"])("accepts the real GTIN %s", (gtin) => {
    expect(isValidGtin(gtin)).toBe(true);
  });

  it.each([8, 12, 13, 14] as const)("accepts generated GTINs of %i digits and rejects every wrong check digit", (length) => {
    for (let i = 0; i < 25; i++) {
      const gtin = uniqueGtin(length);
      expect(gtin).toHaveLength(length);
      expect(isValidGtin(gtin)).toBe(true);
      for (let d = 0; d <= 9; d++) {
        const other = gtin.slice(0, -1) + String(d);
        expect(isValidGtin(other)).toBe(other === gtin);
      }
    }
  });

  it.each([
    ["a wrong check digit", "4006381333932"],
    ["a wrong check digit (UPC-A)", "036000291453"],
    ["a transposition", "4006381339331"],
  ])("rejects %s", (_, gtin) => {
    expect(isValidGtin(gtin)).toBe(false);
  });

  it.each([
    ["too short", withCheckDigit("123456")],
    ["9 digits", withCheckDigit("12345678")],
    ["10 digits", withCheckDigit("123456789")],
    ["11 digits", withCheckDigit("1234567890")],
    ["15 digits", withCheckDigit("12345678901234")],
    ["letters", "40063813339A1"],
    ["a sign", "+4006381333931"],
    ["spaces", " 4006381333931"],
    ["a dash", "400638-1333931"],
    ["empty", ""],
    ["non-ASCII digits", "٤٠٠٦٣٨١٣٣٣٩٣١"],
  ])("rejects %s", (_, gtin) => {
    expect(isValidGtin(gtin)).toBe(false);
  });

  it("accepts a GTIN zero-padded to 13 or 14 digits, as it does the original", () => {
    expect(isValidGtin("0036000291452")).toBe(true);
    expect(isValidGtin("00036000291452")).toBe(true);
    expect(isValidGtin("000096385074")).toBe(true);
  });

  it("checks the fixture's own check digits against a known value", () => {
    expect(gtinCheckDigit("400638133393")).toBe("1");
    expect(withWrongCheckDigit("4006381333931")).toBe("4006381333932");
  });
});

describe("normalizeGtin", () => {
  it("pads every length to the same 14 digits", () => {
    expect(normalizeGtin("036000291452")).toBe("00036000291452");
    expect(normalizeGtin("0036000291452")).toBe("00036000291452");
    expect(normalizeGtin("00036000291452")).toBe("00036000291452");
    expect(normalizeGtin("96385074")).toBe("00000096385074");
    expect(normalizeGtin("10614141000415")).toBe("10614141000415");
  });

  it("keeps different GTINs apart", () => {
    expect(normalizeGtin("4006381333931")).not.toBe(normalizeGtin("036000291452"));
  });
});
