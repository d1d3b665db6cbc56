import { describe, expect, it } from 'vitest';
import { patientIdFromPath, patientIdsFromPaths } from './patients.js';

describe('patient ids', () => {
  it('finds the patientNNNNN segment of a path, or null', () => {
    expect(patientIdFromPath('test/patient64741/study1/view1_frontal.jpg')).toBe('patient64741');
    expect(patientIdFromPath('C:\\x\\patient1\\study1\\a.jpg')).toBe('patient1');
    expect(patientIdFromPath('images/xray1.png')).toBeNull();
    expect(patientIdFromPath('a/patient12x/b.jpg')).toBeNull();
  });

  it('patientIdsFromPaths is null when any path has no id', () => {
    expect(patientIdsFromPaths(['a/patient1/x.jpg', 'patient2/y.jpg'])).toEqual([
      'patient1',
      'patient2',
    ]);
    expect(patientIdsFromPaths(['a/patient1/x.jpg', 'b.jpg'])).toBeNull();
  });
});
