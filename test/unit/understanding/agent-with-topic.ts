// Callers asking for a person *and* naming their topic, written for these tests (the held-out sets' agent phrases
// never name a topic). Shared by intent-classifier.test.ts and scripts/bench/speech-understanding.ts.
import type { ConversationLanguage } from '../../../src/config/config-types.js';

export interface AgentWithTopic {
  readonly text: string;
  /** The topic the classifier should give as runner-up. */
  readonly topic: string;
}

export const AGENT_WITH_TOPIC: Readonly<Record<ConversationLanguage, readonly AgentWithTopic[]>> = {
  fr: [
    { text: 'je veux parler à un conseiller pour ma carte vitale', topic: 'health_card' },
    { text: "passez-moi quelqu'un pour mon arrêt de travail", topic: 'sick_leave' },
    { text: 'je voudrais un conseiller au sujet de mon remboursement', topic: 'reimbursement' },
    { text: 'mon compte ameli est bloqué je veux parler à une vraie personne', topic: 'online_account' },
    { text: 'est-ce que je peux avoir un conseiller pour changer mon adresse', topic: 'change_of_details' },
    {
      text: "un humain s'il vous plaît c'est pour la complémentaire santé solidaire",
      topic: 'supplementary_coverage',
    },
  ],
  en: [
    { text: 'i want to talk to someone about my health card', topic: 'health_card' },
    { text: 'can i speak to an advisor about my sick leave', topic: 'sick_leave' },
    { text: 'put me through to a person about my reimbursement', topic: 'reimbursement' },
    { text: 'i need a real human my online account is locked', topic: 'online_account' },
    { text: 'let me talk to an agent about my european health insurance card', topic: 'european_card' },
    { text: 'representative please i want to change my address', topic: 'change_of_details' },
  ],
};
