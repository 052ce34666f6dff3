/** Genesys Cloud region hosts (docs/genesys-platform-api.md): API at https://api.<host>, login at https://login.<host>. */
export const GENESYS_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  "mypurecloud.com": "us-east-1",
  "use2.us-gov-pure.cloud": "us-east-2 (FedRAMP)",
  "usw2.pure.cloud": "us-west-2",
  "cac1.pure.cloud": "ca-central-1",
  "sae1.pure.cloud": "sa-east-1",
  "mxc1.pure.cloud": "mx-central-1",
  "mypurecloud.ie": "eu-west-1",
  "euw2.pure.cloud": "eu-west-2",
  "mypurecloud.de": "eu-central-1",
  "euc2.pure.cloud": "eu-central-2",
  "edee1.eusc-pure.cloud": "eusc-de-east-1",
  "mec1.pure.cloud": "me-central-1",
  "aps1.pure.cloud": "ap-south-1",
  "apne2.pure.cloud": "ap-northeast-2",
  "apne3.pure.cloud": "ap-northeast-3",
  "mypurecloud.jp": "ap-northeast-1",
  "mypurecloud.com.au": "ap-southeast-2",
  "apse1.pure.cloud": "ap-southeast-1",
});

export function isGenesysRegion(host: string): boolean {
  return Object.hasOwn(GENESYS_REGIONS, host);
}

export function genesysUrls(region: string, overrides: { loginUrl?: string; apiUrl?: string } = {}): { loginUrl: string; apiUrl: string } {
  if (!overrides.loginUrl && !overrides.apiUrl && !isGenesysRegion(region)) {
    throw new Error(`unknown Genesys Cloud region ${JSON.stringify(region)}; one of ${Object.keys(GENESYS_REGIONS).join(", ")}`);
  }
  return {
    loginUrl: (overrides.loginUrl || `https://login.${region}`).replace(/\/+$/, ""),
    apiUrl: (overrides.apiUrl || `https://api.${region}`).replace(/\/+$/, ""),
  };
}
