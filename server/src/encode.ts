/**
 * Encoders, one per destination. Text from a host, a snapshot, raw collector output or a document
 * is data: wherever it leaves the analysis it goes through the encoder for where it lands, so it can
 * never become a control sequence, markup, a link, a snippet variable or an XML fragment.
 *
 *   terminal      CLI text output, ssh stderr, log lines  → `terminalText`
 *   markdown      hover, completion documentation, views → `mdText`, `mdCode`
 *   snippet       completion insert text as a snippet    → `snippetText`
 *   XML           a value written into a document        → `xmlValue` (undefined: not representable)
 *   JSON / SARIF  machine output                         → `jsonText`
 *   notification  never host text: `notificationLabel` for the one name a message may carry
 */

/** Upper bound for one host or document string shown in a hover or completion item. */
export const MAX_SHOWN = 2048;

/** C0 and C1 controls, DEL, and the Unicode characters that reorder or break lines on a terminal. */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

function hexEscape(c: string): string {
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/** Caps a string at `max` UTF-16 units with an ellipsis (never splitting a surrogate pair). */
export function cap(s: string, max = MAX_SHOWN): string {
  if (s.length <= max) return s;
  let end = max - 1;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + '…';
}

/**
 * Terminal text: every control character (C0, DEL, C1) and every bidi/line-separator character is
 * shown as a visible escape (`\x1b`, `\u202e`), so data can neither send an escape sequence nor start a
 * line of its own. A backslash stays as it is.
 */
export function terminalText(s: string): string {
  return s.replace(TERMINAL_UNSAFE, hexEscape);
}

/**
 * Lines for a terminal: each line as terminalText shows it, the line breaks kept (the tool's own
 * multi-line text: usage, JSON), and a final newline. One pass over the whole text (a JSON report of
 * thousands of findings is not split into lines).
 */
export function terminalLines(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => (c === '\n' ? c : hexEscape(c))) + '\n';
}

/** JSON for a terminal or a file: JSON.stringify leaves DEL, C1 and bidi characters raw; these become \u escapes. */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * Markdown text: every ASCII punctuation character backslash-escaped (CommonMark allows escaping any
 * of them), so no emphasis, heading, list, link, image, HTML, entity or table cell can start inside it;
 * controls and line breaks shown as escapes; capped.
 */
export function mdText(s: string, max = MAX_SHOWN): string {
  return terminalText(cap(s, max)).replace(/[!-/:-@[-`{-~]/g, (c) => `\\${c}`);
}

/**
 * Markdown inline code: a backtick fence longer than any backtick run inside, padded when the text
 * starts or ends with a backtick or a space; controls and line breaks shown as escapes (a newline
 * would otherwise end the span, a blank line the paragraph). Not for table cells (`|` splits them).
 */
export function mdCode(s: string, max = MAX_SHOWN): string {
  const t = terminalText(cap(s, max));
  let longest = 0;
  for (const m of t.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || t.startsWith(' ') || t.endsWith(' ') || t === '' ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** Snippet text (LSP/TextMate snippet grammar): `\`, `$` and `}` escaped, so no variable or tab stop. */
export function snippetText(s: string): string {
  return s.replace(/[\\$}]/g, (c) => `\\${c}`);
}

/** XML attribute values and element text: the XML module's encoder (undefined when XML 1.0 cannot hold the value). */
export { escapeXmlValue as xmlValue, hasXmlForbiddenChar } from './xml/entities';

/**
 * The one name a notification may carry (a host or a file's base name). VS Code renders markdown links
 * in notifications and runs `command:` links: everything but letters, digits and `._@:/-` becomes `_`,
 * so no `[`, `]`, `(` or `)` can form a link; capped at 80 characters.
 */
export function notificationLabel(s: string): string {
  return cap(s.replace(/[^A-Za-z0-9._@:/-]/g, '_'), 80);
}

/**
 * Markdown text placed inside a line of our own (never at the start of a line or of a list item):
 * like `mdText`, but `-`, `/`, `(` and `)` stay as they are, since mid-line they start nothing (no list,
 * no link without an escaped `[`), so paths and `enabled(a)` read as written in the markdown source.
 */
export function mdInline(s: string, max = MAX_SHOWN): string {
  return terminalText(cap(s, max)).replace(/[!-'*+,.:-@[-`{-~]/g, (c) => `\\${c}`);
}
