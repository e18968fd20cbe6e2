// Groups files shared by the routing tests.

/** A small valid file; tests replace parts of it. */
export const MINIMAL = `calendars:
  office:
    timezone: Europe/Paris
    weekly:
      mon: ['08:30-17:30']
groups:
  cards:
    name: Cards
    uris: ['sip:cards@127.0.0.1:5090']
    skills: { cards: 1 }
    hours: office
    staffedAgents: 2
    overflow: [general]
  general:
    name: General
    uris: ['sip:general@127.0.0.1:5090']
    skills: { general: 1, cards: 1 }
    hours: office
    staffedAgents: 3
rules:
  - id: cards
    when: { intents: [health_card] }
    skill: cards
defaultRoute: { skill: general }
`;
