import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseScenarioScreen, parseStatsCsv } from '../../helpers/sipp-output.js';

// Trimmed from real sipp 3.6.1 screens (UAC and UAS layouts).
const UAC_SCREEN = `------------------------------ Scenario Screen -------- [1-9]: Change Screen --
                                 Messages  Retrans   Timeout   Unexpected-Msg
      INVITE ---------->         3         1         0                         
         100 <----------         0         0         0         0               
         200 <----------  E-RTD1 3         2         0         1               
         ACK ---------->         3         0                                   
       Pause [    100ms]         3                             0        
         BYE ---------->         3         0         0                         
------------------------------ Test Terminated --------------------------------`;

const UAS_SCREEN = `                                 Messages  Retrans   Timeout   Unexpected-Msg
  ----------> INVITE             1         0         0         0               

  <---------- 180                1         0                                   
  ----------> ACK         E-RTD1 1         0         0         0               

  [    200ms] Pause              1                             0        
  <---------- BYE                1         0         0                         
------------------------------ Test Terminated --------------------------------`;

void describe('parseScenarioScreen', () => {
  void it('reads the UAC layout (label first)', () => {
    const rows = parseScenarioScreen(UAC_SCREEN);
    assert.deepEqual(
      rows.map((r) => [r.label, r.direction, r.count, r.retransmissions, r.unexpected]),
      [
        ['INVITE', 'sent', 3, 1, 0],
        ['100', 'received', 0, 0, 0],
        ['200', 'received', 3, 2, 1],
        ['ACK', 'sent', 3, 0, 0],
        ['Pause', 'other', 3, 0, 0],
        ['BYE', 'sent', 3, 0, 0],
      ],
    );
  });

  void it('reads the UAS layout (arrow first), across blank lines', () => {
    const rows = parseScenarioScreen(UAS_SCREEN);
    assert.deepEqual(
      rows.map((r) => [r.label, r.direction, r.count]),
      [
        ['INVITE', 'received', 1],
        ['180', 'sent', 1],
        ['ACK', 'received', 1],
        ['Pause', 'other', 1],
        ['BYE', 'sent', 1],
      ],
    );
  });

  void it('returns nothing without a scenario screen', () => {
    assert.deepEqual(parseScenarioScreen('Resolving remote host'), []);
  });
});

void describe('parseStatsCsv', () => {
  void it('takes the cumulative counters of the last row', () => {
    const csv = [
      'StartTime;SuccessfulCall(P);SuccessfulCall(C);FailedCall(C);Retransmissions(C);OutgoingCall(C);IncomingCall(C);',
      '2026-11-28\t01:29:03.420595\t1795829343.420595;0;0;0;0;0;0;',
      '2026-11-28\t01:29:04.420595\t1795829344.420595;2;5;1;7;6;0;',
    ].join('\n');
    const stats = parseStatsCsv(csv);
    assert.equal(stats?.successful, 5);
    assert.equal(stats?.failed, 1);
    assert.equal(stats?.retransmissions, 7);
    assert.equal(stats?.outgoingCalls, 6);
    assert.equal(stats?.counters.SuccessfulCall, 5);
  });

  void it('returns undefined for an empty or header-only file', () => {
    assert.equal(parseStatsCsv(''), undefined);
    assert.equal(parseStatsCsv('SuccessfulCall(C);\n'), undefined);
  });
});
