/** The tool version written into dumps; a unit test keeps it equal to package.json's. */
export const VERSION = '0.1.0';
export const TOOL = { name: 'dbporter', version: VERSION } as const;
