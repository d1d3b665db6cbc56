export declare const viewerRoot: string;
export declare function findChromium():
  | { path: string; reason?: undefined }
  | { path?: undefined; reason: string };
export declare function buildApp(): Promise<string>;
export interface Served {
  origin: string;
  requests: string[];
  close(): Promise<void>;
}
export declare function serve(mounts: Record<string, string>): Promise<Served>;
export declare function syntheticRadiograph(
  width?: number,
  height?: number,
  options?: { rgb?: boolean; seed?: number },
): Promise<Buffer>;
export declare function chromiumVersion(file: string): string;
