/**
 * Published AUROCs of other methods on the 5 common CheXpert labels, transcribed from Table III of
 * the paper (Asadi, Sodoké, Gerard, Kersten-Oertel, "Clinically-Inspired Hierarchical Multi-Label
 * Classification of Chest X-rays with a Penalty-Based Loss Function").
 * Columns: Atelectasis, Cardiomegaly, Consolidation, Edema, Pleural Effusion; `mean` as printed.
 * `*` marks hierarchical methods, as in the paper; the bracketed numbers are its references.
 */
export interface PublishedRow {
  name: string;
  citation: string;
  hierarchical: boolean;
  values: [number, number, number, number, number];
  mean: number;
}

export const PUBLISHED_TABLE_III: readonly PublishedRow[] = [
  {
    name: 'Wang et al. [9]',
    citation: 'G. Wang, P. Wang, B. Wei, Multimedia Systems 30(132), 2024',
    hierarchical: false,
    values: [0.741, 0.864, 0.708, 0.847, 0.89],
    mean: 0.81,
  },
  {
    name: 'Zhang et al. [10]',
    citation: 'K. Zhang et al., Comput. Methods Programs Biomed. 245, 108032, 2024',
    hierarchical: false,
    values: [0.667, 0.85, 0.713, 0.829, 0.862],
    mean: 0.784,
  },
  {
    name: 'Lu et al. [11]',
    citation: 'Y. Lu et al., CF ’24, 2024',
    hierarchical: false,
    values: [0.731, 0.9, 0.784, 0.864, 0.881],
    mean: 0.832,
  },
  {
    name: 'Liu et al. [12]',
    citation: 'Z. Liu, Y. Cheng, S. Tamura, IEEE JBHI 27(9), 2023',
    hierarchical: false,
    values: [0.811, 0.853, 0.943, 0.912, 0.928],
    mean: 0.889,
  },
  {
    name: 'Chen et al. [13]',
    citation: 'B. Chen et al., IEEE TCSVT 32(4), 2022',
    hierarchical: false,
    values: [0.747, 0.882, 0.785, 0.888, 0.916],
    mean: 0.844,
  },
  {
    name: 'Irvin et al. [4]',
    citation: 'J. Irvin et al., AAAI 2019 (CheXpert)',
    hierarchical: false,
    values: [0.811, 0.84, 0.932, 0.929, 0.931],
    mean: 0.889,
  },
  {
    name: 'Pham et al. [19]',
    citation: 'H. H. Pham et al., Neurocomputing 437, 2021',
    hierarchical: true,
    values: [0.806, 0.833, 0.929, 0.933, 0.921],
    mean: 0.884,
  },
];

/** The paper's own row of Table III (its hierarchical model, data-driven penalty, λ = 0.5). */
export const PAPER_OURS_TABLE_III: PublishedRow = {
  name: 'Asadi et al. (paper)',
  citation: 'the paper, Table III "Ours"',
  hierarchical: true,
  values: [0.879, 0.853, 0.88, 0.901, 0.945],
  mean: 0.892,
};
