export declare const NODE_ONLY_PACKAGES: string[];
export interface BrowserBundleCheck {
  violations: Array<{ specifier: string; importer: string }>;
  errors: string[];
  bytes: number;
}
export declare function checkBrowserBundle(entry: string): Promise<BrowserBundleCheck>;
