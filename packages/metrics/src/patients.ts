/**
 * CheXpert patient ids from image paths: `patientIdFromPath` (`…/patient64741/study1/…` →
 * `patient64741`, or `null` without such a segment) and `patientIdsFromPaths` (all of them, or
 * `null` when any path has none: then images are resampled one by one, since resampling by patient
 * needs every image's patient). The same functions as @cihmlc/chexpert-data's.
 */
export { patientIdFromPath, patientIdsFromPaths } from '@cihmlc/internal';
