import type { PoolModel } from '../domain/poolModel';
import type { HostIndex } from '../inventory/resolver';
import type { XmlDocument } from '../xml/parse';
import type { Finding } from './types';

/** What a rule on a storage pool definition (root `<pool>`) sees. */
export interface PoolRuleContext {
  doc: XmlDocument;
  pool: PoolModel;
  /** The host group the document is checked against; empty when offline without a snapshot. */
  hosts: HostIndex[];
}

export type PoolRule = (ctx: PoolRuleContext) => Finding[];
