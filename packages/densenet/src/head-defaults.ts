/**
 * The paper's head as createClassifier builds it when not told otherwise: the 3×3 convolution's
 * filters, the hidden dense layer's units and the dropout rate before the output layer.
 */
export const HEAD_DEFAULTS = { headFilters: 512, denseUnits: 128, dropoutRate: 0.5 } as const;
