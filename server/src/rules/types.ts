import type { DomainModel } from '../domain/model';
import type { HostIndex } from '../inventory/resolver';
import type { XmlDocument } from '../xml/parse';
import type { FindingCode } from './codes';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A replacement of [start, end) in the analysed text. */
export interface TextEdit {
  start: number;
  end: number;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  preferred: boolean;
}

export interface Finding {
  code: FindingCode;
  severity: Severity;
  message: string;
  start: number;
  end: number;
  fixes: Fix[];
  /** Other places the finding is about (the other disk of a clash), shown as related information. */
  related?: { message: string; start: number; end: number }[];
  /**
   * Places in other documents the finding is about (the other domain's disk of a shared LUN), shown as
   * related information: the document's URI and the range there.
   */
  elsewhere?: RelatedElsewhere[];
}

/** A line and character (UTF-16 units), as LSP positions count. */
export interface PlacePosition {
  line: number;
  character: number;
}

/** A place in another document. */
export interface RelatedElsewhere {
  message: string;
  uri: string;
  range: { start: PlacePosition; end: PlacePosition };
}

/** Another domain definition (an open or workspace document) whose disks may share LUNs with this one. */
export interface PeerDomain {
  /** Where it comes from (a document URI or file path), for messages. */
  origin: string;
  /** An editor's open document (its unsaved text) or a workspace file read from disk; unknown when not said. */
  from?: 'open' | 'workspace';
  name?: string;
  /** The document's URI, where it has one (related information points into it). */
  uri?: string;
  /** Each disk's source path; `range`: where the path is written in the document, when known. */
  disks: { path: string; shareable: boolean; target?: string; range?: RelatedElsewhere['range'] }[];
}

export interface RuleContext {
  doc: XmlDocument;
  model: DomainModel;
  /** The host group the document is checked against; empty when offline without a snapshot. */
  hosts: HostIndex[];
  /** Other domain definitions checked against the same hosts (not including this document). */
  peers: PeerDomain[];
}

export type Rule = (ctx: RuleContext) => Finding[];
