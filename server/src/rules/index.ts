import { activePassiveDmp } from './activePassiveDmp';
import { deviceInUseByHost } from './deviceInUseByHost';
import { deviceNotFound } from './deviceNotFound';
import { differsFromHost } from './differsFromHost';
import { duplicateDevice } from './duplicateDevice';
import { duplicateTarget } from './duplicateTarget';
import { fullCopyBootImage } from './fullCopyBootImage';
import { goldImageWritable } from './goldImageWritable';
import { guestMutableIdentifier } from './guestMutableIdentifier';
import { inconsistentAcrossHosts } from './inconsistentAcrossHosts';
import { lunNotWholeDevice } from './lunNotWholeDevice';
import { missingSerial } from './missingSerial';
import { multipathBypass } from './multipathBypass';
import { sharedWithoutShareable } from './sharedWithoutShareable';
import { snapshotDiverged } from './snapshotDiverged';
import { sourceTypeMismatch } from './sourceTypeMismatch';
import type { Rule } from './types';
import { unstableDeviceName } from './unstableDeviceName';
import { unstableScsiHost } from './unstableScsiHost';

/** Every rule that runs on a domain model, in reporting order. */
export const DOMAIN_RULES: Rule[] = [
  unstableDeviceName,
  guestMutableIdentifier,
  duplicateTarget,
  sourceTypeMismatch,
  deviceNotFound,
  inconsistentAcrossHosts,
  multipathBypass,
  activePassiveDmp,
  deviceInUseByHost,
  duplicateDevice,
  sharedWithoutShareable,
  missingSerial,
  unstableScsiHost,
  lunNotWholeDevice,
  differsFromHost,
  goldImageWritable,
  fullCopyBootImage,
  snapshotDiverged,
];
