/**
 * `aiguilleur prompts render`: renders the prompt texts of one language, or of every language that has a texts
 * file, with espeak-ng (the Debian binary, else the npm WebAssembly build), and prints what it did.
 */
import { EspeakTtsProvider } from '../tts/espeak-tts-provider.js';
import { renderPrompts, type RenderReport } from './prompt-renderer.js';
import { listPromptLanguages } from './prompt-texts.js';

export interface PromptsRenderCommandOptions {
  /** The prompts folder. */
  directory: string;
  /** One language; all of them when omitted. */
  language?: string;
  force: boolean;
  /** Where progress lines go. */
  print: (line: string) => void;
}

/** Resolves to the reports; rejects with an AigError (no synthesizer, bad texts, failed synthesis). */
export async function runPromptsRender(options: PromptsRenderCommandOptions): Promise<RenderReport[]> {
  const synthesizer = await EspeakTtsProvider.create();
  try {
    const languages =
      options.language === undefined ? await listPromptLanguages(options.directory) : [options.language];
    if (languages.length === 0) {
      options.print(`no prompt texts (<language>.json) in ${options.directory}`);
    }
    const reports: RenderReport[] = [];
    for (const language of languages) {
      const report = await renderPrompts({
        directory: options.directory,
        language,
        synthesizer,
        force: options.force,
      });
      reports.push(report);
      options.print(describeReport(report));
    }
    return reports;
  } finally {
    await synthesizer.close();
  }
}

function describeReport(report: RenderReport): string {
  const lines = [
    `${report.language}: ${report.rendered.length} rendered, ${report.unchanged.length} up to date` +
      `${report.kept.length > 0 ? `, ${report.kept.length} kept (not made by the renderer: ${report.kept.join(', ')})` : ''}` +
      `${report.removed.length > 0 ? `, ${report.removed.length} removed (${report.removed.join(', ')})` : ''}` +
      ` in ${report.elapsedMs} ms with ${report.engine}`,
  ];
  for (const prompt of report.rendered) {
    lines.push(`  ${report.language}/${prompt.id}.wav  ${(prompt.durationMs / 1000).toFixed(2)} s`);
  }
  return lines.join('\n');
}
