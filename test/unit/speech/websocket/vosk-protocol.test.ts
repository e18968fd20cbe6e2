// The vosk-server protocol as pure functions: the config and eof frames, how answers read (shapes from
// alphacep/vosk-api src/recognizer.cc), n-best confidences, grammar normalisation and PCM byte order.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleanTranscript,
  encodePcm16le,
  nbestConfidences,
  parseVoskMessage,
  VOSK_EOF_MESSAGE,
  voskConfigMessage,
  voskPhraseList,
} from '../../../../src/speech/recognition/websocket/vosk-protocol.js';

describe('vosk protocol', () => {
  it('sends the eof byte for byte as asr_server.py compares it', () => {
    assert.equal(VOSK_EOF_MESSAGE, '{"eof" : 1}');
  });

  it('builds the config frame: rate, alternatives (1 or less = the single MBR result), no words', () => {
    assert.deepEqual(JSON.parse(voskConfigMessage({ sampleRate: 8000, maxAlternatives: 3, grammar: null })), {
      config: { sample_rate: 8000, max_alternatives: 3, words: false },
    });
    assert.deepEqual(JSON.parse(voskConfigMessage({ sampleRate: 16000, maxAlternatives: 1, grammar: [] })), {
      config: { sample_rate: 16000, max_alternatives: 0, words: false },
    });
  });

  it('sends a closed grammar as phrase_list: lower case, punctuation out, duplicates out, [unk] last', () => {
    assert.deepEqual(voskPhraseList(['Oui', 'Non, merci !', 'oui', '  Aujourd’hui  ', 'peut-être', '?']), [
      'oui',
      'non merci',
      "aujourd'hui",
      'peut-être',
      '[unk]',
    ]);
    assert.equal(voskPhraseList(null), null);
    assert.equal(voskPhraseList(['', '!!']), null);
    const config = JSON.parse(
      voskConfigMessage({ sampleRate: 8000, maxAlternatives: 0, grammar: ['Yes', 'No'] }),
    ) as {
      config: Record<string, unknown>;
    };
    assert.deepEqual(config.config['phrase_list'], ['yes', 'no', '[unk]']);
  });

  it('reads partials, plain results (confidence 0.5) and empty results', () => {
    assert.deepEqual(parseVoskMessage('{"partial" : "bon"}'), { kind: 'partial', transcript: 'bon' });
    assert.deepEqual(parseVoskMessage('{"partial": "", "partial_result": []}'), {
      kind: 'partial',
      transcript: '',
    });
    assert.deepEqual(parseVoskMessage('{"text": "bonjour madame", "result": []}'), {
      kind: 'result',
      alternatives: [{ transcript: 'bonjour madame', confidence: 0.5 }],
    });
    assert.deepEqual(parseVoskMessage('{"text": ""}'), { kind: 'result', alternatives: [] });
    // vosk-api StoreEmptyReturn with max_alternatives > 0
    assert.deepEqual(parseVoskMessage('{"alternatives" : [{"text": "", "confidence" : 1.0}] }'), {
      kind: 'result',
      alternatives: [],
    });
  });

  it('turns n-best log-likelihoods into shares of the list, best first, empty hypotheses left out', () => {
    const message = parseVoskMessage(
      JSON.stringify({
        alternatives: [
          { text: 'oui', confidence: 231.5 },
          { text: '', confidence: 230.5 },
          { text: 'houi', confidence: 228.5 },
        ],
      }),
    );
    assert.equal(message.kind, 'result');
    if (message.kind !== 'result') {
      return;
    }
    const total = 1 + Math.exp(-1) + Math.exp(-3);
    assert.deepEqual(
      message.alternatives.map((a) => a.transcript),
      ['oui', 'houi'],
    );
    assert.ok(Math.abs(message.alternatives[0]!.confidence - 1 / total) < 1e-9);
    assert.ok(Math.abs(message.alternatives[1]!.confidence - Math.exp(-3) / total) < 1e-9);
    assert.deepEqual(nbestConfidences([-12]), [1]);
    assert.deepEqual(nbestConfidences([NaN, NaN]), [0.5, 0.25]);
    assert.deepEqual(nbestConfidences([]), []);
  });

  it('drops [unk] from transcripts: a result that was only [unk] is nothing recognized', () => {
    assert.equal(cleanTranscript('[unk] oui  [unk]'), 'oui');
    assert.deepEqual(parseVoskMessage('{"text": "[unk]"}'), { kind: 'result', alternatives: [] });
  });

  it('reports what is not a vosk answer as invalid, without quoting it', () => {
    const notJson = parseVoskMessage('<html>502 Bad Gateway</html>');
    assert.equal(notJson.kind, 'invalid');
    assert.ok(notJson.kind === 'invalid' && !notJson.reason.includes('Gateway'));
    assert.equal(parseVoskMessage('[1,2]').kind, 'invalid');
    assert.equal(parseVoskMessage('{"result": []}').kind, 'invalid');
    assert.equal(parseVoskMessage('{"alternatives": [{"confidence": 1}]}').kind, 'invalid');
  });

  it('encodes PCM little-endian, frames back to back', () => {
    const bytes = encodePcm16le([Int16Array.of(0x1234, -2), Int16Array.of(0x0102)]);
    assert.deepEqual([...bytes], [0x34, 0x12, 0xfe, 0xff, 0x02, 0x01]);
    // A frame that is a view into a larger buffer is read from its own offset.
    const backing = Int16Array.of(7, 8, 9);
    assert.deepEqual([...encodePcm16le([backing.subarray(1, 2)])], [8, 0]);
  });
});
