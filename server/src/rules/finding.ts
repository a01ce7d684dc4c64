/**
 * The finding constructor: every rule builds its findings here, and the severity comes from `CODES`
 * (codes.ts), never from the rule. A case that codes.ts lists as a variant of the code (and documents)
 * is reported at the variant's severity.
 */
import { CODES, type FindingCode } from './codes';
import type { Finding, Fix, Severity } from './types';

/** The variants codes.ts lists for a code (none for most codes). */
export type VariantOf<C extends FindingCode> = (typeof CODES)[C] extends { variants: infer V } ? keyof V & string : never;

export interface FindingInit<C extends FindingCode> {
  message: string;
  start: number;
  end: number;
  fixes?: Fix[];
  /** Other places the finding is about, shown as related information. */
  related?: Finding['related'];
  /** Places in other documents the finding is about, shown as related information. */
  elsewhere?: Finding['elsewhere'];
  /** A case listed under the code's `variants` in codes.ts: reported at that severity instead of the code's own. */
  variant?: VariantOf<C>;
}

/** The severity of a code, or of one of its documented variants. */
export function severityOf<C extends FindingCode>(code: C, variant?: VariantOf<C>): Severity {
  const info: { severity: Severity; variants?: Record<string, Severity> } = CODES[code];
  if (variant === undefined) return info.severity;
  const s = info.variants?.[variant];
  if (s === undefined) throw new Error(`${code} has no variant ${variant}`);
  return s;
}

/** A finding of `code` at the severity codes.ts gives it. */
export function finding<C extends FindingCode>(code: C, init: FindingInit<C>): Finding {
  return {
    code,
    severity: severityOf(code, init.variant),
    message: init.message,
    start: init.start,
    end: init.end,
    fixes: init.fixes ?? [],
    ...(init.related ? { related: init.related } : {}),
    ...(init.elsewhere?.length ? { elsewhere: init.elsewhere } : {}),
  };
}
