// The real vendor CLIs the conformance suite runs: pinned npm package, executable, and how each is
// pointed at the loopback mock with a throwaway HOME (base-URL variables and config files found in
// their --help, `copilot help environment`, and docs). Pins match the versions the hand-made fixtures
// in main/core/detect/fixtures were captured from (docs/detection.md).
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLAUDE_HEADLESS } from '../../agents/adapters.js';

/** `stream_json`: claude only, `claude -p --output-format stream-json --verbose` with the stream also
 * kept in a file (tee). Since claude's `headless` launches the same flags (as --headless workcells do),
 * it is no longer recorded; its captures stay as fixtures. */
export type Mode = 'interactive' | 'headless' | 'stream_json';
export const MODES: readonly Mode[] = ['interactive', 'headless', 'stream_json'];

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
  /** Modes beyond interactive and headless. */
  extraModes?: Mode[];
  /** Why the CLI cannot log in with an (expired) OAuth token against the mock; absent when it can. */
  noTokenMode?: string;
  /** Scenarios besides expired_oauth run logged in with an OAuth token: claude shows (and streams,
   * rate_limit_event) a subscription's usage limit only to a claude.ai login. */
  oauthAlso?: string[];
  /** A package the CLI installs for itself on first use, which the suite (no network) installs into
   * its cache instead and hands to setup as `companion` (its node_modules dir). */
  companion?: { pkg: string; version: string };
  /** Writes config under `home` and returns the env and argv for one run. `oauth`: log in with an
   * OAuth token instead of an API key (the expired_oauth scenario). `hookArgs` go before the prompt. */
  setup(o: SetupInput): VendorSetup;
}

export interface SetupInput {
  home: string;
  cwd: string;
  baseUrl: string;
  mode: Mode;
  prompt: string;
  oauth: boolean;
  hookArgs: string[];
  /** Vendor.companion's install dir in the cache (package.json, package-lock.json, node_modules). */
  companion?: string;
}

/** The pinned CLI versions: a version bump is one edit here, then `npm run conformance` shows the
 * drift against the fixtures and `npm run conformance -- --record` re-records them. */
export const PINS = {
  claude: '2.1.197',
  codex: '0.169.0',
  gemini: '0.61.0',
  copilot: '1.0.102',
  opencode: '1.18.33',
} as const;

// Bogus keys: they only ever reach the mock, and the mock decides whether they are "valid".
const KEY = 'sk-bogus-conformance-0000000000000000';
const OAUTH_TOKEN = 'sk-ant-oat01-bogus-conformance-expired-0000000000';

// A JWT-shaped token (unsigned: only the mock reads it) with the ChatGPT claims codex parses.
const jwt = (claims: object) =>
  ['{"alg":"none","typ":"JWT"}', JSON.stringify(claims), 'bogus']
    .map((p) => Buffer.from(p).toString('base64url'))
    .join('.');

const writeJson = (path: string, data: unknown) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, JSON.stringify(data, null, 2));
};

const claude: Vendor = {
  name: 'claude',
  pkg: '@anthropic-ai/claude-code',
  version: PINS.claude,
  bin: 'claude',
  oauthAlso: ['usage_limit'],
  setup({ home, cwd, baseUrl, mode, prompt, oauth, hookArgs }) {
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
    // A long-lived login token (`claude setup-token`) goes in as CLAUDE_CODE_OAUTH_TOKEN and is sent
    // as a Bearer token; the mock says it expired, as api.anthropic.com does.
    // headless is what a --headless workcell launches (the adapter's flags: stream-json on the pane);
    // stream_json is the same flags with the stream also kept in a file through tee (runCase).
    const head = { headless: CLAUDE_HEADLESS, stream_json: CLAUDE_HEADLESS };
    return {
      env: {
        ANTHROPIC_BASE_URL: baseUrl,
        ...(oauth ? { CLAUDE_CODE_OAUTH_TOKEN: OAUTH_TOKEN } : { ANTHROPIC_API_KEY: KEY }),
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
      },
      args: [...(mode === 'interactive' ? [] : head[mode]), ...hookArgs, '--', prompt],
    };
  },
};

const gemini: Vendor = {
  name: 'gemini',
  pkg: '@google/gemini-cli',
  version: PINS.gemini,
  bin: 'gemini',
  setup({ home, baseUrl, mode, prompt, oauth }) {
    // Login with Google (oauth-personal) talks to Code Assist, whose endpoint CODE_ASSIST_ENDPOINT
    // moves. The token comes in as GOOGLE_CLOUD_ACCESS_TOKEN (with GOOGLE_GENAI_USE_GCA): cached
    // credentials (oauth_creds.json) are first checked at oauth2.googleapis.com, which only the dead
    // proxy answers, so the CLI would start a fresh browser login instead of sending the token.
    writeJson(join(home, '.gemini', 'settings.json'), {
      security: {
        auth: { selectedType: oauth ? 'oauth-personal' : 'gemini-api-key' },
        folderTrust: { enabled: false },
      },
      general: { disableAutoUpdate: true, disableUpdateNag: true },
      privacy: { usageStatisticsEnabled: false },
      telemetry: { enabled: false },
    });
    return {
      env: {
        ...(oauth
          ? {
              CODE_ASSIST_ENDPOINT: baseUrl,
              GOOGLE_GENAI_USE_GCA: 'true',
              GOOGLE_CLOUD_ACCESS_TOKEN: 'ya29.bogus-conformance-expired',
            }
          : { GEMINI_API_KEY: KEY }),
        GOOGLE_GEMINI_BASE_URL: baseUrl,
        GEMINI_CLI_NO_RELAUNCH: 'true',
      },
      args: mode !== 'interactive' ? [`--prompt=${prompt}`] : [`--prompt-interactive=${prompt}`],
    };
  },
};

const codex: Vendor = {
  name: 'codex',
  pkg: '@openai/codex',
  version: PINS.codex,
  bin: 'codex',
  setup({ home, cwd, baseUrl, mode, prompt, oauth, hookArgs }) {
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
        'cli_auth_credentials_store = "file"',
        // A ChatGPT login also reads its account from the ChatGPT backend (the TUI exits without it).
        ...(oauth ? [`chatgpt_base_url = ${JSON.stringify(`${baseUrl}/backend-api/`)}`] : []),
        '[model_providers.mock]',
        'name = "Mock"',
        `base_url = ${JSON.stringify(`${baseUrl}/v1`)}`,
        // A ChatGPT login (auth.json tokens) instead of a key: codex sends the access token, and on a
        // 401 refreshes it at CODEX_REFRESH_TOKEN_URL_OVERRIDE (the mock's /oauth/token).
        oauth ? 'requires_openai_auth = true' : 'env_key = "MOCK_API_KEY"',
        'wire_api = "responses"',
        `[projects.${JSON.stringify(cwd)}]`,
        'trust_level = "trusted"',
        '',
      ].join('\n'),
    );
    if (oauth) {
      const auth = { chatgpt_plan_type: 'plus', chatgpt_account_id: 'acct-mock' };
      const claims = { email: 'conformance@example.invalid', 'https://api.openai.com/auth': auth };
      writeJson(join(codexHome, 'auth.json'), {
        auth_mode: 'chatgpt',
        OPENAI_API_KEY: null,
        tokens: {
          id_token: jwt({ ...claims, exp: 4_102_444_800 }),
          access_token: jwt({ ...claims, exp: 4_102_444_800 }),
          refresh_token: 'rt_bogus_conformance',
          account_id: 'acct-mock',
        },
        last_refresh: new Date().toISOString(),
      });
    }
    return {
      env: {
        CODEX_HOME: codexHome,
        ...(oauth ? { CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${baseUrl}/oauth/token` } : { MOCK_API_KEY: KEY }),
      },
      args:
        mode !== 'interactive'
          ? ['exec', '--json', '--skip-git-repo-check', ...hookArgs, '--', prompt]
          : [...hookArgs, '--', prompt],
    };
  },
};

const copilot: Vendor = {
  name: 'copilot',
  pkg: '@github/copilot',
  version: PINS.copilot,
  bin: 'copilot',
  noTokenMode:
    'BYOK (COPILOT_PROVIDER_*) takes only a key; its GitHub OAuth login talks to api.github.com and the Copilot API, with no base-URL override in 1.0.102 (`copilot help environment`), and COPILOT_OFFLINE forbids it',
  setup({ home, cwd, baseUrl, mode, prompt, hookArgs }) {
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
      args: [...hookArgs, ...(mode !== 'interactive' ? ['-p', prompt] : ['-i', prompt])],
    };
  },
};

const opencode: Vendor = {
  name: 'opencode',
  pkg: 'opencode-ai',
  version: PINS.opencode,
  bin: 'opencode',
  noTokenMode:
    'its OAuth logins (Anthropic Pro/Max, GitHub Copilot, OpenAI) live in auth.json for the built-in providers, whose base URLs are fixed; a custom provider (the one the mock can be) takes only an API key',
  // Our hooks are a plugin (agents/opencodePlugin.ts). With any plugin configured, opencode first waits
  // for `@opencode-ai/plugin` to be installed into its config dir from the npm registry (75 s until
  // the dead proxy fails it, measured on 1.18.33); online that happens once. It is put in place
  // as it is after that first install.
  companion: { pkg: '@opencode-ai/plugin', version: PINS.opencode },
  setup({ home, baseUrl, mode, prompt, companion }) {
    const configDir = join(home, '.config', 'opencode');
    if (companion) {
      // What npm leaves after that install: opencode reinstalls unless node_modules is there and
      // package-lock.json lists every package.json dependency (its Npm.checkDirty).
      mkdirSync(configDir, { recursive: true });
      for (const f of ['package.json', 'package-lock.json', 'node_modules'])
        cpSync(join(companion, f), join(configDir, f), { recursive: true });
    }
    // An OpenAI-compatible provider pointing at the mock; bash and edits ask (opencode allows all by
    // default, so the permission scenario would never show a dialog).
    writeJson(join(configDir, 'opencode.json'), {
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
      args: mode !== 'interactive' ? ['run', prompt] : [`--prompt=${prompt}`],
    };
  },
};

export const VENDORS: readonly Vendor[] = [claude, gemini, codex, copilot, opencode];

export const vendorByName = (name: string): Vendor | undefined => VENDORS.find((v) => v.name === name);
