/**
 * Where a document libxml2 rejects goes wrong, established by trials: each trial edits the document
 * in libxml2's memory (an element removed, emptied or moved, an attribute removed or given a value
 * libvirt knows), validates it and undoes the edit. Only what a trial established is claimed;
 * otherwise libxml2's own message is reported at the element it names.
 *
 * The search is bounded by a number of trials (per document and per process), never by time: the
 * same input gives the same findings however loaded the machine is.
 */
import type { XmlAttribute, XmlElement } from '../xml/parse';
import { DISK_ELEMENTS } from '../domain/diskVocabulary';
import type { Ptr } from './libxml';
import type { LibxmlDiag, LibxmlDoc } from './libxmlDoc';

/**
 * Work left to spend, counted in elements validated (a trial on a document of 300 elements costs
 * 300); shared by every document a validator checks (the per-process bound).
 */
export class TrialBudget {
  constructor(public left: number) {}
}

/** The bounds of one document's search: trials, and elements validated over all its trials. */
export interface SearchLimits {
  trials: number;
  work: number;
}

function countElements(el: XmlElement): number {
  let n = 1;
  for (const c of el.children) n += countElements(c);
  return n;
}

/** What the search found, or libxml2's message at the element it names. */
export interface Located {
  start: number;
  end: number;
  /** The element or attribute, as the message names it. */
  what: string;
  detail: string;
  /** True when a trial established it; false when it is libxml2's message at libxml2's element. */
  established: boolean;
}

const localName = (n: string) => n.slice(n.indexOf(':') + 1);
const isNamespaceDecl = (n: string) => n === 'xmlns' || n.startsWith('xmlns:');

/**
 * An element of our parse and the same element in libxml2's tree. Its attributes and children are
 * paired with libxml2's when the search first looks at them (most of a document never is; each
 * pairing reads names out of libxml2's memory), before any trial edits them.
 */
class Mapped {
  private attrsPaired: { a: XmlAttribute; ptr: Ptr }[] | undefined;
  private kidsPaired: Mapped[] | undefined;
  private size: number | undefined;

  constructor(
    private readonly d: LibxmlDoc,
    readonly el: XmlElement,
    readonly ptr: Ptr,
    readonly parent: Mapped | undefined,
  ) {}

  /** Our attributes and libxml2's, paired by name in order; none when they do not pair up. */
  get attrs(): { a: XmlAttribute; ptr: Ptr }[] {
    if (!this.attrsPaired) {
      const ours = this.el.attributes.filter((a) => !isNamespaceDecl(a.name));
      const theirs = this.d.attributes(this.ptr);
      this.attrsPaired =
        ours.length === theirs.length && ours.every((a, i) => localName(a.name) === this.d.name(theirs[i]))
          ? ours.map((a, i) => ({ a, ptr: theirs[i] }))
          : [];
    }
    return this.attrsPaired;
  }

  /**
   * Our children and libxml2's, paired by name in order; none when they do not pair up (an entity
   * reference expanded differently, say): never guessed.
   */
  get kids(): Mapped[] {
    if (!this.kidsPaired) {
      const kids = this.d.elementChildren(this.ptr);
      const ours = this.el.children;
      this.kidsPaired =
        kids.length === ours.length && ours.every((c, i) => localName(c.name) === this.d.name(kids[i]))
          ? ours.map((c, i) => new Mapped(this.d, c, kids[i], this))
          : [];
    }
    return this.kidsPaired;
  }

  /** Elements in this subtree (itself included). */
  get n(): number {
    return (this.size ??= countElements(this.el));
  }
}

/**
 * The deepest element of ours paired with `node` or one of its ancestors in libxml2's tree: the
 * pairing followed down from the root along libxml2's ancestors of `node`.
 */
function pairedAncestor(d: LibxmlDoc, top: Mapped, node: Ptr): Mapped | undefined {
  const chain: Ptr[] = [];
  for (let n = node; n; n = d.parent(n)) chain.push(n);
  const at = chain.indexOf(top.ptr);
  if (at < 0) return undefined;
  let m = top;
  for (let i = at - 1; i >= 0; i--) {
    const kid = m.kids.find((k) => k.ptr === chain[i]);
    if (!kid) break;
    m = kid;
  }
  return m;
}

/** libxml2's messages that only say an enclosing element failed. */
const GENERIC = /failed to validate content$|^Invalid sequence in interleave$/;

/** The element a libxml2 message names, when it names one ("Extra element uuid in interleave"). */
function namedElement(message: string): string | undefined {
  return (
    /^Extra element (\S+) in interleave$/.exec(message)?.[1] ??
    /^Did not expect element (\S+) there$/.exec(message)?.[1] ??
    /has extra content: (\S+)$/.exec(message)?.[1] ??
    /^Expecting element \S+, got (\S+)$/.exec(message)?.[1]
  );
}

class Exhausted extends Error {}
/** Several children of `at` are at fault: removing all of them validates, removing either half does not. */
class Several extends Error {
  constructor(readonly at: { el: XmlElement }) {
    super('several');
  }
}

const nameRange = (el: XmlElement) => ({ start: el.start + 1, end: el.start + 1 + el.name.length });

export function localise(
  d: LibxmlDoc,
  root: XmlElement,
  diags: LibxmlDiag[],
  budget: TrialBudget,
  limits: SearchLimits,
): Located | undefined {
  const top = new Mapped(d, root, d.root(), undefined);

  // libxml2's first specific message, at the element it names.
  let i = diags.findIndex((e) => !GENERIC.test(e.message));
  if (i < 0)
    i = Math.max(
      0,
      diags.findIndex((e) => e.node),
    );
  const diag = diags[i];
  const node = diag.node || diags.slice(i + 1).find((e) => e.node)?.node || 0;
  let found = node ? pairedAncestor(d, top, node) : undefined;
  const named = namedElement(diag.message);
  if (found && named && localName(found.el.name) !== named) found = found.kids.find((k) => localName(k.el.name) === named) ?? found;
  if (!found) return undefined;
  const target = found;
  const fallback: Located = {
    ...nameRange(target.el),
    what: `<${target.el.name}>`,
    detail: `libxml2 reports: ${diag.message}`,
    established: false,
  };
  /** Elements libxml2 calls extra in an interleave: the ones a move may be tried for. */
  const inInterleave = new Set(diags.map((e) => /^Extra element (\S+) in interleave$/.exec(e.message)?.[1]).filter(Boolean));

  // Each trial validates the whole document: its cost grows with the document's size.
  const size = countElements(root);
  let trials = 0;
  let work = 0;
  /** Applies an edit, validates, undoes it. */
  const trial = (edit: () => () => void, removed = 0): boolean => {
    // A trial costs the elements it validates: the document less what the edit took out.
    const cost = size - removed;
    if (trials >= limits.trials || work + cost > limits.work || budget.left < cost) throw new Exhausted();
    trials++;
    work += cost;
    budget.left -= cost;
    const undo = edit();
    try {
      return d.valid();
    } finally {
      undo();
    }
  };
  const withoutAttr = (m: Mapped, at: Mapped['attrs'][number]) => () => {
    const back = d.setAttribute(m.ptr, at.ptr, undefined);
    return () => {
      at.ptr = back();
    };
  };
  const withValue = (m: Mapped, at: Mapped['attrs'][number], value: string) => () => {
    const back = d.setAttribute(m.ptr, at.ptr, value);
    return () => void back();
  };
  const known = (m: Mapped, at: Mapped['attrs'][number]) =>
    (DISK_ELEMENTS[m.el.name]?.attributes[at.a.name]?.values ?? []).map((v) => v.value).filter((v) => v !== at.a.value);
  const attrRange = (at: Mapped['attrs'][number]) => ({ start: at.a.nameStart, end: at.a.valueEnd + 1 });
  const attrWhat = (m: Mapped, at: Mapped['attrs'][number]) => `${at.a.name}='${at.a.value}' on <${m.el.name}>`;

  /** A known value that makes the document valid in place of the attribute's. */
  const goodValue = (m: Mapped, at: Mapped['attrs'][number]): string | undefined => {
    const values = known(m, at);
    // Only a value libvirt does not know is worth replacing (a known one is not the typo to fix).
    if (values.length === (DISK_ELEMENTS[m.el.name]?.attributes[at.a.name]?.values ?? []).length)
      for (const v of values) if (trial(withValue(m, at, v))) return v;
    return undefined;
  };
  const valueFound = (m: Mapped, at: Mapped['attrs'][number], v: string): Located => ({
    ...attrRange(at),
    what: attrWhat(m, at),
    detail: `the value '${at.a.value}' is not accepted here; with '${v}' the document is valid (other values libvirt knows: ${known(m, at).join(', ')})`,
    established: true,
  });

  /** An attribute of `m` whose removal validates (then, if a known value also does, the value is the culprit). */
  const attributeRemoved = (m: Mapped): Located | undefined => {
    for (const at of m.attrs) {
      if (!trial(withoutAttr(m, at))) continue;
      const v = goodValue(m, at);
      if (v) return valueFound(m, at, v);
      return {
        ...attrRange(at),
        what: attrWhat(m, at),
        detail: `the document is valid without this attribute: libvirt's schema does not accept it, or not with this value, on <${m.el.name}>`,
        established: true,
      };
    }
    return undefined;
  };
  /** An attribute of `m` that a known value in its place validates (a required attribute cannot simply go). */
  const attributeReplaced = (m: Mapped): Located | undefined => {
    for (const at of m.attrs) {
      const v = goodValue(m, at);
      if (v) return valueFound(m, at, v);
    }
    return undefined;
  };

  /**
   * The culprit inside `m`: one of its attributes, a child whose removal validates (and then inside
   * it), an attribute of a child that cannot go (a required one), or a known value in place of one.
   */
  const explore = (m: Mapped): Located | undefined => {
    const a = attributeRemoved(m);
    if (a) return a;
    const r = childToRemove(m.kids);
    if ('kid' in r) {
      removable = r.kid;
      return explore(r.kid) ?? elementFound(r.kid);
    }
    // Several children at fault: said so (see the catch below), nothing more is claimed.
    if ('several' in r) throw new Several(m);
    for (const kid of r.alone) {
      const b = attributeRemoved(kid);
      if (b) return b;
    }
    for (const x of [m, ...r.alone]) {
      const c = attributeReplaced(x);
      if (c) return c;
    }
    return undefined;
  };

  /** libxml2 may name a child of the element at fault (<type> for an attribute of <os>): the ancestors' attributes. */
  const ancestorAttribute = (m: Mapped): Located | undefined => {
    for (let p = m.parent; p; p = p.parent) {
      const a = attributeRemoved(p);
      if (a) return a;
    }
    return undefined;
  };

  const without = (ms: Mapped[]) => () => {
    const undo = ms.map((k) => d.detach(k.ptr));
    return () => {
      for (const u of undo.reverse()) u();
    };
  };
  /** Whether the document is valid without all of `ms`. */
  const gone = (ms: Mapped[]) =>
    trial(
      without(ms),
      ms.reduce((n, k) => n + k.n, 0),
    );
  /**
   * The one child whose removal validates, found by halves (a device among 40 costs about 2·log2(40)
   * trials, not 40). The half found innocent stays out ('pruned') while the other is halved again, so
   * each trial validates a smaller document; the child found is then confirmed on the whole one.
   * When neither half's removal validates: if removing both does, no single child can (a culprit in
   * each half: 'several'); if not, a required child is in the way and each child is tried alone
   * ('alone': the children that cannot go).
   */
  type ChildSearch = { kid: Mapped } | { several: true } | { alone: Mapped[] };
  const childToRemove = (kids: Mapped[], pruned: Mapped[] = []): ChildSearch => {
    const oneByOne = (): ChildSearch => {
      const alone: Mapped[] = [];
      for (const k of kids) {
        if (!gone([...pruned, k])) {
          alone.push(k);
          continue;
        }
        // Found with innocent siblings out: it counts only if it alone makes the whole document valid.
        return !pruned.length || gone([k]) ? { kid: k } : { alone: [] };
      }
      return { alone };
    };
    // A part whose removal validates while none of its children alone does holds several culprits.
    const within = (part: Mapped[], innocent: Mapped[]): ChildSearch => {
      const r = childToRemove(part, [...pruned, ...innocent]);
      return 'alone' in r && r.alone.length ? { several: true } : r;
    };
    if (kids.length <= 3) return oneByOne();
    const half = kids.slice(0, kids.length >> 1);
    const rest = kids.slice(kids.length >> 1);
    if (gone([...pruned, ...half])) return within(half, rest);
    if (gone([...pruned, ...rest])) return within(rest, half);
    // Pruned or not, all of them out: at a deeper level that was the trial that led here.
    if (pruned.length || gone(kids)) return { several: true };
    return oneByOne();
  };

  /** `m`'s removal validates and nothing inside it was found: what else the trials can tell. */
  const elementFound = (m: Mapped): Located => {
    const tag = `<${m.el.name}>`;
    const at = { ...nameRange(m.el), what: tag, established: true };
    if ((m.attrs.length || m.el.contentEnd > m.el.contentStart) && trial(() => empty(m), m.n - 1)) {
      return {
        ...at,
        detail: `${tag} is allowed here, but not with these attributes or this content: the document is valid with ${tag} empty`,
      };
    }
    const siblings = m.parent?.kids ?? [];
    const index = siblings.indexOf(m);
    if (inInterleave.has(localName(m.el.name)) && index > 0) {
      // libxml2 handles <interleave> more strictly than RelaxNG: an element can be refused at one
      // place in its parent and accepted at an earlier one. The nearest earlier place is tried first.
      for (let p = index - 2; p >= -1; p--) {
        const prev = p < 0 ? 0 : siblings[p].ptr;
        if (trial(() => d.moveAfter(m.ptr, prev)))
          return {
            ...at,
            detail:
              `libxml2 refuses ${tag} at this place but accepts the document with ${tag} moved ` +
              (p < 0 ? 'first' : `right after <${siblings[p].el.name}>`) +
              ` in <${m.parent!.el.name}>: a libxml2 interleave limitation (virt-xml-validate shares it)`,
          };
      }
    }
    return {
      ...at,
      detail: `the document is valid without this element (libxml2 reports: ${diag.message})`,
    };
  };

  /** Empties `m` (attributes and content); the returned function restores them. */
  const empty = (m: Mapped) => {
    const undoAttrs = m.attrs.map((a) => withoutAttr(m, a)());
    const undoKids = d.allChildren(m.ptr).map((c) => d.detach(c));
    return () => {
      for (const u of undoKids.reverse()) u();
      for (const u of undoAttrs) u();
    };
  };

  /** The deepest element whose removal was seen to validate: what an interrupted search still established. */
  let removable: Mapped | undefined;
  try {
    if (target !== top && trial(() => d.detach(target.ptr), target.n)) {
      removable = target;
      return explore(target) ?? elementFound(target);
    }
    return explore(target) ?? ancestorAttribute(target) ?? fallback;
  } catch (e) {
    if (e instanceof Several) {
      // Established: without all its children the document is valid, without either half it is not.
      const tag = `<${e.at.el.name}>`;
      return {
        ...nameRange(e.at.el),
        what: tag,
        detail: `${tag} is allowed here, but not with these children: more than one of them is at fault (the document is valid without all of them, not without either half); libxml2 reports: ${diag.message}`,
        established: true,
      };
    }
    if (!(e instanceof Exhausted)) throw e;
    if (!removable) return fallback;
    return {
      ...nameRange(removable.el),
      what: `<${removable.el.name}>`,
      detail: `the document is valid without this element (the search stopped after ${trials} trials); libxml2 reports: ${diag.message}`,
      established: true,
    };
  }
}
