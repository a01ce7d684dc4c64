import { duplicateTarget } from './duplicateTarget';
import { guestMutableIdentifier } from './guestMutableIdentifier';
import { sourceTypeMismatch } from './sourceTypeMismatch';
import type { Rule } from './types';
import { unstableDeviceName } from './unstableDeviceName';

/** Every rule that runs on a domain model, in reporting order. */
export const DOMAIN_RULES: Rule[] = [unstableDeviceName, guestMutableIdentifier, duplicateTarget, sourceTypeMismatch];
