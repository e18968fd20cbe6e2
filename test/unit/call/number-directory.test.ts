import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isAigError } from '../../../src/errors/aig-error.js';
import {
  NumberDirectory,
  dialledUserPart,
  isTelephoneNumber,
  normaliseNumber,
} from '../../../src/sip/call/number-directory.js';
import type { ServiceNumber } from '../../../src/sip/call/sip-app-types.js';

const ameli: ServiceNumber = { language: 'fr', label: 'Assurance Maladie' };
const english: ServiceNumber = { language: 'en', label: 'Health insurance (English)' };

void describe('dialledUserPart', () => {
  void it('reads the user part of sip and sips URIs without parameters or password', () => {
    assert.equal(dialledUserPart('sip:3646@192.0.2.1'), '3646');
    assert.equal(dialledUserPart('sip:3646@192.0.2.1:5060;transport=udp'), '3646');
    assert.equal(dialledUserPart('SIPS:+33123456789@example.org'), '+33123456789');
    assert.equal(
      dialledUserPart('sip:+33123456789;npdi;rn=+33100000000@carrier.example;user=phone'),
      '+33123456789',
    );
    assert.equal(dialledUserPart('sip:3646:secret@192.0.2.1'), '3646');
    assert.equal(dialledUserPart('<sip:3647@192.0.2.1>'), '3647');
  });

  void it('decodes %-escapes and reads tel URIs', () => {
    assert.equal(dialledUserPart('sip:%2B33%20123@example.org'), '+33 123');
    assert.equal(dialledUserPart('tel:+33-1-23-45-67-89;phone-context=+33'), '+33-1-23-45-67-89');
    assert.equal(dialledUserPart('sip:%E0%A4%A@example.org'), '%E0%A4%A');
  });

  void it('returns undefined when there is no user part', () => {
    assert.equal(dialledUserPart('sip:192.0.2.1'), undefined);
    assert.equal(dialledUserPart('sip:@192.0.2.1'), undefined);
    assert.equal(dialledUserPart('mailto:someone@example.org'), undefined);
    assert.equal(dialledUserPart(''), undefined);
  });
});

void describe('normaliseNumber', () => {
  void it('drops visual separators of telephone numbers and keeps a leading +', () => {
    assert.equal(normaliseNumber('+33 1-23.45 (67)'), '+331234567');
    assert.equal(normaliseNumber(' 36 46 '), '3646');
    assert.equal(isTelephoneNumber('+33 1 23'), true);
  });

  void it('keeps non-numeric user parts as they are (case-sensitive)', () => {
    assert.equal(normaliseNumber('Accueil'), 'Accueil');
    assert.equal(normaliseNumber('ivr-main'), 'ivr-main');
    assert.equal(isTelephoneNumber('ping'), false);
    assert.equal(isTelephoneNumber('--'), false);
  });
});

void describe('NumberDirectory', () => {
  const directory = new NumberDirectory({ '3646': ameli, '+33 1 23 45 67 89': english, accueil: ameli });

  void it('finds configured numbers whatever their visual separators', () => {
    assert.deepEqual(directory.lookup('3646'), { number: '3646', service: ameli });
    assert.deepEqual(directory.lookup('+33-123-456-789'), { number: '+33 1 23 45 67 89', service: english });
    assert.equal(directory.resolve('sip:+33123456789@192.0.2.1;user=phone')?.service, english);
    assert.equal(directory.resolve('tel:3646')?.number, '3646');
    assert.equal(directory.resolve('sip:accueil@192.0.2.1')?.service, ameli);
    assert.equal(directory.size, 3);
  });

  void it('does not find unknown, partial or differently-cased numbers', () => {
    assert.equal(directory.lookup('364'), undefined);
    assert.equal(directory.lookup('33123456789'), undefined);
    assert.equal(directory.lookup('Accueil'), undefined);
    assert.equal(directory.resolve('sip:192.0.2.1'), undefined);
  });

  void it('refuses a configuration with the same number twice or an empty number', () => {
    assert.throws(
      () => new NumberDirectory({ '3646': ameli, '36 46': english }),
      (err: unknown) => isAigError(err, 'AIG_ERR_CONFIG_INVALID') && /same number/.test(err.message),
    );
    assert.throws(
      () => new NumberDirectory({ ' ': ameli }),
      (err: unknown) => isAigError(err, 'AIG_ERR_CONFIG_INVALID'),
    );
  });
});
