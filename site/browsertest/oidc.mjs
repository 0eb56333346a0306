// Browser scenarios: oidc (filled in by its owner).
export const scenarios = {};
