/**
 * Character references in XML text. The parser runs with entity processing
 * off (no DTD, so no entity expansion attacks); we decode the five predefined
 * entities and numeric references ourselves and refuse any other `&name;`.
 */
const REFERENCE = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z][A-Za-z0-9]*);/g;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes references; `null` when the text uses an undefined entity or an invalid code point. */
export function decodeXmlText(text: string): string | null {
  if (!text.includes('&')) return text;
  let failed = false;
  const decoded = text.replace(REFERENCE, (_match, ref: string) => {
    if (ref.startsWith('#')) {
      const codePoint = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(codePoint) || codePoint > 0x10ffff || codePoint === 0) {
        failed = true;
        return '';
      }
      return String.fromCodePoint(codePoint);
    }
    const value = PREDEFINED[ref];
    if (value === undefined) failed = true;
    return value ?? '';
  });
  // A bare '&' left over is not well-formed XML.
  if (failed || /&(?![^;]*;)/.test(text)) return null;
  return decoded;
}

/** Escapes text for an XML element body. */
export function escapeXmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}
