import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attr, child, parseXml } from '../server/src/xml/parse';
import { LineIndex } from '../server/src/xml/lineIndex';
import { buildDomainModel } from '../server/src/domain/model';

function valueAt(text: string, start: number, end: number) {
  return text.slice(start, end);
}

test('attribute value ranges: single and double quotes, spaces around =', () => {
  const text = `<domain><devices><disk type="block" device = 'disk'><source dev = "/dev/sdb"/></disk></devices></domain>`;
  const doc = parseXml(text);
  const disk = child(child(doc.root!, 'devices')!, 'disk')!;
  const t = attr(disk, 'type')!;
  const d = attr(disk, 'device')!;
  assert.equal(valueAt(text, t.valueStart, t.valueEnd), 'block');
  assert.equal(t.quote, '"');
  assert.equal(valueAt(text, d.valueStart, d.valueEnd), 'disk');
  assert.equal(d.quote, "'");
  const s = attr(child(disk, 'source')!, 'dev')!;
  assert.equal(valueAt(text, s.valueStart, s.valueEnd), '/dev/sdb');
});

test('ranges survive newlines and tabs inside tags, CRLF, and non-ASCII before the attribute', () => {
  const text =
    "<domain>\r\n<name>café-ü-日本</name>\r\n<devices>\r\n\t<disk\r\n\t\ttype='block'>\r\n\t\t<source\tfoo='é'\r\n\t\t\tdev='/dev/sdc'\t/>\r\n</disk></devices></domain>\r\n";
  const doc = parseXml(text);
  assert.equal(doc.error, undefined);
  const model = buildDomainModel(doc)!;
  const p = model.disks[0].hostPath!;
  assert.equal(text.slice(p.start, p.end), '/dev/sdc');
  const pos = doc.lines.positionAt(p.start);
  assert.deepEqual(pos, { line: 6, character: 8 });
  assert.equal(model.name, 'café-ü-日本');
});

test('line index: LF, CRLF, lone CR, and round trips', () => {
  const text = 'a\nbc\r\nd\re';
  const li = new LineIndex(text);
  assert.equal(li.lineCount, 4);
  for (let o = 0; o <= text.length; o++) {
    const p = li.positionAt(o);
    if (text[o - 1] === '\r' && text[o] === '\n') continue; // between CR and LF is not addressable
    assert.equal(li.offsetAt(p), o, `offset ${o}`);
  }
  assert.deepEqual(li.positionAt(text.indexOf('e')), { line: 3, character: 0 });
});

test('entities in attribute values are decoded in the model but ranges cover the raw text', () => {
  const text = `<domain><devices><disk type='block'><source dev='/dev/disk/by-label/a&amp;b'/></disk></devices></domain>`;
  const model = buildDomainModel(parseXml(text))!;
  const p = model.disks[0].hostPath!;
  assert.equal(p.value, '/dev/disk/by-label/a&b');
  assert.equal(text.slice(p.start, p.end), '/dev/disk/by-label/a&amp;b');
});

test('mis-nested XML is reported at the validator position', () => {
  const text = '<domain>\n  <devices>\n    <disk></devices>\n</domain>';
  const doc = parseXml(text);
  assert.ok(doc.error);
  assert.equal(doc.root, undefined);
  assert.equal(doc.error!.line, 3);
  assert.match(doc.error!.message, /disk|devices/);
});

test('DOCTYPE is recorded, blanked, and never expanded', () => {
  const text =
    '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;">]>\n<domain><name>&b;</name></domain>';
  const doc = parseXml(text);
  assert.ok(doc.doctype);
  assert.equal(text.slice(doc.doctype!.start, doc.doctype!.start + 9), '<!DOCTYPE');
  assert.equal(doc.error, undefined);
  assert.equal(child(doc.root!, 'name')!.text, '&b;');
});

test('hostdev storage block text gets a trimmed range', () => {
  const text =
    "<domain><devices><hostdev mode='capabilities' type='storage'><source><block>\n  /dev/sdf1 </block></source></hostdev></devices></domain>";
  const m = buildDomainModel(parseXml(text))!;
  const p = m.disks[0].hostPath!;
  assert.equal(p.origin, 'block');
  assert.equal(text.slice(p.start, p.end), '/dev/sdf1');
});

test('a document whose root is not <domain> has no model', () => {
  assert.equal(buildDomainModel(parseXml('<pool><name>x</name></pool>')), undefined);
});
