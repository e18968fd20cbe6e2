#!/usr/bin/env node
/**
 * The `aiguilleur` command. Parses arguments and dispatches; `serve` lives in `main.ts` and is loaded only when
 * asked for, so `config check` and `version` work without starting (or even building) the server.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { resolveConfigPath } from './config/config-file.js';
import { loadConfig } from './config/load-config.js';
import { packageVersion } from './config/package-info.js';
import { redactConfigSecrets } from './config/redact-config.js';
import { isAigError } from './errors/aig-error.js';

const USAGE = `Usage: aiguilleur <command> [options]

Commands:
  serve [--config FILE]          run the IVR: SIP engine, call handling, ops API.
                                 SIGTERM/SIGINT drain live calls first; a second SIGINT exits at once.
  config check [--config FILE]   validate the configuration; print it resolved, secrets masked.
                                 Exits 1 and lists every problem when it is invalid.
  prompts render [--lang LANG] [--force] [--prompts DIR]
                                 render prompt texts (DIR/<lang>.json, default ./prompts) to 8 kHz WAV
                                 with espeak-ng; only new or changed prompts unless --force.
  understand --flow DIR [--lang LANG] [--engine linear|nlpjs] [--eval FILE.tsv [--json]]
                                 train the flow's intent classifier (DIR/phrases/LANG.json, default fr),
                                 then classify stdin lines to JSON lines, or score FILE.tsv (intent<TAB>utterance).
  flows simulate <flow> [--lang fr|en] [--script FILE] [--no-recognizer]
                                 run a flow on a simulated call: type the caller's turns (#4 a key, empty line
                                 silence, !nomatch, !error KIND, !hangup), or read them from FILE (one per line,
                                 // comments) and print one JSON object per event, the outcome last.
  flows check [DIR] [--config FILE]
                                 validate a flow folder, or every flow in a folder (default: the configured
                                 flows folder), and test its paths; print file:line:column  state  problem,
                                 exit 1 if any, else "ok <flow> <version>".
  flows graph <flow> [--format mermaid|stately]
                                 print the flow's machine as a Mermaid state diagram, or as the
                                 createMachine({...}) text the Stately editor imports.
  version                        print the version.
  help                           print this help.

Options:
  -c, --config FILE   configuration file (.yaml, .yml or .json). Without it: $AIGUILLEUR_CONFIG, else
                      ./aiguilleur.config.yaml|.yml|.json, else ./config/aiguilleur.yaml, else built-in defaults.
                      Environment variables override single settings (see README).
  -h, --help          print this help.
  -v, --version       print the version.
`;

const EXIT_OK = 0;
const EXIT_FAILURE = 1;
const EXIT_USAGE = 2;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function fail(text: string): void {
  process.stderr.write(`aiguilleur: ${text}\n`);
}

async function runCli(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'c' },
        lang: { type: 'string' },
        force: { type: 'boolean' },
        prompts: { type: 'string' },
        flow: { type: 'string' },
        engine: { type: 'string' },
        eval: { type: 'string' },
        json: { type: 'boolean' },
        script: { type: 'string' },
        'no-recognizer': { type: 'boolean' },
        format: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    fail(`${(err as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const { values, positionals } = parsed;
  const command = positionals.join(' ');

  if (values.help === true || command === 'help') {
    out(USAGE);
    return EXIT_OK;
  }
  if (values.version === true || command === 'version') {
    out(`aiguilleur ${packageVersion()}`);
    return EXIT_OK;
  }
  if (positionals[0] === 'flows') {
    switch (positionals[1]) {
      case 'simulate': {
        const { runFlowsSimulate } = await import('./conversation/simulation/flows-simulate-command.js');
        return runFlowsSimulate({
          flow: positionals[2],
          language: values.lang,
          script: values.script,
          configFile: values.config,
          noRecognizer: values['no-recognizer'] === true,
          input: process.stdin,
          print: out,
          prompt: (text) => process.stdout.write(text),
          progress: (line) => process.stderr.write(`${line}\n`),
        });
      }
      case 'check': {
        const { runFlowsCheck } = await import('./cli/flows-check-command.js');
        return runFlowsCheck({ target: positionals[2], configFile: values.config, print: out });
      }
      case 'graph': {
        const { runFlowsGraph } = await import('./cli/flows-graph-command.js');
        return runFlowsGraph({
          flow: positionals[2],
          format: values.format,
          configFile: values.config,
          print: (text) => process.stdout.write(text),
          progress: (line) => process.stderr.write(`${line}\n`),
        });
      }
      default:
        fail(`unknown command "${command}"\n\n${USAGE}`);
        return EXIT_USAGE;
    }
  }
  switch (command) {
    case 'serve': {
      const { serve } = await import('./main.js');
      await serve({ configFile: values.config });
      return EXIT_OK;
    }
    case 'config check':
      return checkConfig(values.config);
    case 'prompts render': {
      const { runPromptsRender } = await import('./speech/prompts/prompts-render-command.js');
      await runPromptsRender({
        directory: values.prompts ?? 'prompts',
        language: values.lang,
        force: values.force === true,
        print: out,
      });
      return EXIT_OK;
    }
    case 'understand': {
      if (values.flow === undefined) {
        fail(`understand needs --flow DIR\n\n${USAGE}`);
        return EXIT_USAGE;
      }
      const { runUnderstand } = await import('./cli/understand-command.js');
      return runUnderstand({
        flow: values.flow,
        language: values.lang,
        engine: values.engine,
        evalFile: values.eval,
        json: values.json === true,
        input: process.stdin,
        print: out,
        progress: (line) => process.stderr.write(`${line}\n`),
      });
    }
    case '':
      fail(`missing command\n\n${USAGE}`);
      return EXIT_USAGE;
    default:
      fail(`unknown command "${command}"\n\n${USAGE}`);
      return EXIT_USAGE;
  }
}

function checkConfig(file: string | undefined): number {
  const config = loadConfig({ file });
  const source = resolveConfigPath({ file, env: process.env });
  out(`# Aiguilleur configuration: ${source ?? 'no file, built-in defaults'} + environment overrides`);
  out(stringify(redactConfigSecrets(config)));
  return EXIT_OK;
}

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    fail(isAigError(err) ? `${err.code}: ${err.message}` : ((err as Error).stack ?? String(err)));
    process.exitCode = EXIT_FAILURE;
  },
);
