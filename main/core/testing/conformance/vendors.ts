// The real vendor CLIs the conformance suite runs: pinned npm package, executable, and how each is
// pointed at the loopback mock with a throwaway HOME (base-URL variables and config files found in
// their --help, `copilot help environment`, and docs). Pins match the versions the hand-made fixtures
// in main/core/detect/fixtures were captured from (docs/detection.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Mode = 'interactive' | 'headless';

export interface VendorSetup {
  env: Record<string, string>;
  args: string[];
}

export interface Vendor {
  /** Agent name as the detector knows it (patterns/<name>.json). */
  name: 'claude' | 'codex' | 'gemini' | 'copilot' | 'opencode';
  pkg: string;
  version: string;
  bin: string;
  /** Writes config under `home` and returns the env and argv for one run. */
  setup(o: { home: string; cwd: string; baseUrl: string; mode: Mode; prompt: string }): VendorSetup;
}

// Bogus keys: they only ever reach the mock, and the mock decides whether they are "valid".
const KEY = 'sk-bogus-conformance-0000000000000000';

const writeJson = (path: string, data: unknown) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(data, null, 2));
};

const claude: Vendor = {
  name: 'claude',
  pkg: '@anthropic-ai/claude-code',
  version: '2.1.197',
  bin: 'claude',
  setup({ home, cwd, baseUrl, mode, prompt }) {
    // Onboarding, the "use this API key?" question and the folder-trust dialog are answered up front:
    // they are covered by the hand-made fixtures and would hide every scenario behind them.
    writeJson(join(home, '.claude.json'), {
      hasCompletedOnboarding: true,
      theme: 'dark',
      customApiKeyResponses: { approved: [KEY.slice(-20)], rejected: [] },
      projects: {
        [cwd]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true, allowedTools: [] },
      },
    });
    return {
      env: {
        ANTHROPIC_BASE_URL: baseUrl,
        ANTHROPIC_API_KEY: KEY,
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
      },
      args: mode === 'headless' ? ['-p', prompt] : [prompt],
    };
  },
};

const gemini: Vendor = {
  name: 'gemini',
  pkg: '@google/gemini-cli',
  version: '0.61.0',
  bin: 'gemini',
  setup({ home, baseUrl, mode, prompt }) {
    writeJson(join(home, '.gemini', 'settings.json'), {
      security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    });
    return {
      env: { GEMINI_API_KEY: KEY, GOOGLE_GEMINI_BASE_URL: baseUrl, GEMINI_CLI_NO_RELAUNCH: 'true' },
      args: mode === 'headless' ? [`--prompt=${prompt}`] : [`--prompt-interactive=${prompt}`],
    };
  },
};

const codex: Vendor = {
  name: 'codex',
  pkg: '@openai/codex',
  version: '0.169.0',
  bin: 'codex',
  setup({ home, cwd, baseUrl, mode, prompt }) {
    const codexHome = join(home, '.codex');
    mkdirSync(codexHome, { recursive: true });
    // A custom provider needs no ChatGPT login. Approvals stay codex's default (on-request): the mock's
    // call asks for `require_escalated`, which codex puts to the user. toml strings via JSON.stringify.
    writeFileSync(
      join(codexHome, 'config.toml'),
      [
        'model = "gpt-5-mock"',
        'model_provider = "mock"',
        'check_for_update_on_startup = false',
        '[model_providers.mock]',
        'name = "Mock"',
        `base_url = ${JSON.stringify(`${baseUrl}/v1`)}`,
        'env_key = "MOCK_API_KEY"',
        'wire_api = "responses"',
        `[projects.${JSON.stringify(cwd)}]`,
        'trust_level = "trusted"',
        '',
      ].join('\n'),
    );
    return {
      env: { CODEX_HOME: codexHome, MOCK_API_KEY: KEY },
      args: mode === 'headless' ? ['exec', '--skip-git-repo-check', prompt] : [prompt],
    };
  },
};

const copilot: Vendor = {
  name: 'copilot',
  pkg: '@github/copilot',
  version: '1.0.102',
  bin: 'copilot',
  setup({ home, cwd, baseUrl, mode, prompt }) {
    const copilotHome = join(home, '.copilot');
    writeJson(join(copilotHome, 'config.json'), { trusted_folders: [cwd], banner: 'never' });
    return {
      env: {
        COPILOT_HOME: copilotHome,
        COPILOT_PROVIDER_BASE_URL: `${baseUrl}/v1`,
        COPILOT_PROVIDER_TYPE: 'openai',
        COPILOT_PROVIDER_API_KEY: KEY,
        COPILOT_MODEL: 'gpt-4.1',
        COPILOT_OFFLINE: 'true',
        COPILOT_AUTO_UPDATE: 'false',
      },
      args: mode === 'headless' ? ['-p', prompt] : ['-i', prompt],
    };
  },
};

const opencode: Vendor = {
  name: 'opencode',
  pkg: 'opencode-ai',
  version: '1.18.33',
  bin: 'opencode',
  setup({ home, baseUrl, mode, prompt }) {
    // An OpenAI-compatible provider pointing at the mock; bash and edits ask (opencode allows all by
    // default, so the permission scenario would never show a dialog).
    writeJson(join(home, '.config', 'opencode', 'opencode.json'), {
      model: 'mock/mock-model',
      autoupdate: false,
      share: 'disabled',
      permission: { bash: 'ask', edit: 'ask' },
      provider: {
        mock: {
          npm: '@ai-sdk/openai-compatible',
          name: 'Mock',
          options: { baseURL: `${baseUrl}/v1`, apiKey: KEY },
          models: { 'mock-model': { name: 'Mock model', tool_call: true } },
        },
      },
    });
    return {
      env: { OPENCODE_DISABLE_AUTOUPDATE: 'true', OPENCODE_DISABLE_MODELS_FETCH: 'true' },
      args: mode === 'headless' ? ['run', prompt] : [`--prompt=${prompt}`],
    };
  },
};

export const VENDORS: readonly Vendor[] = [claude, gemini, codex, copilot, opencode];

export const vendorByName = (name: string): Vendor | undefined => VENDORS.find((v) => v.name === name);
