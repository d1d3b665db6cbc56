/**
 * The TensorFlow C and eager C API functions that @tensorflow/tfjs-node(-gpu) 4.22's binding
 * (`binding/*.cc`, `binding/*.h`) calls. The library it links against must
 * define every one of them (the `TF_TString_*` helpers are inline in the headers and the
 * `TF_Auto*` / `TFE_AutoOp` names are the binding's own classes, so they are not listed).
 * `c-api-symbols.test.ts` re-reads the installed binding's sources to keep this list exact.
 */
export const REQUIRED_C_API_SYMBOLS: readonly string[] = Object.freeze([
  'TFE_ContextListDevices',
  'TFE_DeleteContext',
  'TFE_DeleteContextOptions',
  'TFE_DeleteOp',
  'TFE_DeleteTensorHandle',
  'TFE_Execute',
  'TFE_NewContext',
  'TFE_NewContextOptions',
  'TFE_NewOp',
  'TFE_NewTensorHandle',
  'TFE_OpAddInput',
  'TFE_OpSetAttrBool',
  'TFE_OpSetAttrBoolList',
  'TFE_OpSetAttrFloat',
  'TFE_OpSetAttrFloatList',
  'TFE_OpSetAttrInt',
  'TFE_OpSetAttrIntList',
  'TFE_OpSetAttrShape',
  'TFE_OpSetAttrString',
  'TFE_OpSetAttrType',
  'TFE_TensorHandleCopyToDevice',
  'TFE_TensorHandleDataType',
  'TFE_TensorHandleDim',
  'TFE_TensorHandleNumDims',
  'TFE_TensorHandleResolve',
  'TF_AllocateTensor',
  'TF_DataTypeSize',
  'TF_DeleteBuffer',
  'TF_DeleteDeviceList',
  'TF_DeleteGraph',
  'TF_DeleteSession',
  'TF_DeleteSessionOptions',
  'TF_DeleteStatus',
  'TF_DeleteTensor',
  'TF_DeviceListCount',
  'TF_DeviceListName',
  'TF_DeviceListType',
  'TF_Dim',
  'TF_GetCode',
  'TF_GraphOperationByName',
  'TF_LoadSessionFromSavedModel',
  'TF_Message',
  'TF_NewBuffer',
  'TF_NewBufferFromString',
  'TF_NewGraph',
  'TF_NewSessionOptions',
  'TF_NewStatus',
  'TF_NewTensor',
  'TF_NumDims',
  'TF_SessionRun',
  'TF_TensorByteSize',
  'TF_TensorData',
  'TF_TensorElementCount',
  'TF_TensorType',
  'TF_Version',
]);

/** C API names called in binding sources (`TF_Foo(` / `TFE_Foo(`), minus inline helpers and classes. */
export function cApiCallsIn(source: string): Set<string> {
  const names = new Set<string>();
  for (const match of source.matchAll(/\b(TFE?_[A-Za-z0-9_]+)\(/g)) {
    const name = match[1] as string;
    if (/^(TF_Auto|TFE_Auto|TF_TString_)/.test(name)) continue;
    names.add(name);
  }
  return names;
}

/** Required symbols that none of the libraries' symbol sets defines, sorted. */
export function missingSymbols(
  defined: Iterable<Set<string>>,
  required: readonly string[] = REQUIRED_C_API_SYMBOLS,
): string[] {
  const sets = [...defined];
  return required.filter((name) => !sets.some((set) => set.has(name))).sort();
}
