import { defineConfig } from '@playwright/test';
import base from './playwright.config';

// The benchmarks: they print figures (live-run latency, server memory under
// event streams, cold loads on an emulated phone) and check nothing by time.
export default defineConfig({
  ...base,
  testDir: './bench',
  timeout: 300_000,
});
