/**
 * Times, waits and opening hours written for the ear, in French and English, for prompts such as "nous vous
 * rappellerons demain à 9 heures 30" or "our advisers are available Monday to Friday, 8:30 am to 5:30 pm". Text-to-
 * speech reads "9 h 30" badly and "09:30" worse, so hours are written out ("9 heures 30", "9:30 am"), and a day is
 * "aujourd’hui"/"demain" when it is, else the weekday and date. Times are shown in the given IANA zone.
 */
import type { ConversationLanguage } from '../../config/config-types.js';
import type { OpeningHours, Weekday } from '../../routing/routing-types.js';
import { zonedParts, type LocalDate } from '../../routing/zoned-time.js';

const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const DAY_NAMES: Readonly<Record<ConversationLanguage, Readonly<Record<Weekday, string>>>> = {
  fr: {
    mon: 'lundi',
    tue: 'mardi',
    wed: 'mercredi',
    thu: 'jeudi',
    fri: 'vendredi',
    sat: 'samedi',
    sun: 'dimanche',
  },
  en: {
    mon: 'Monday',
    tue: 'Tuesday',
    wed: 'Wednesday',
    thu: 'Thursday',
    fri: 'Friday',
    sat: 'Saturday',
    sun: 'Sunday',
  },
};

const MONTHS: Readonly<Record<ConversationLanguage, readonly string[]>> = {
  fr: [
    'janvier',
    'février',
    'mars',
    'avril',
    'mai',
    'juin',
    'juillet',
    'août',
    'septembre',
    'octobre',
    'novembre',
    'décembre',
  ],
  en: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
};

/** "9 heures", "14 heures 30", "midi" / "9 am", "2:30 pm", "noon". */
export function spokenClock(hour: number, minute: number, language: ConversationLanguage): string {
  if (language === 'fr') {
    if (hour === 12 && minute === 0) {
      return 'midi';
    }
    const h = hour === 1 ? '1 heure' : `${hour} heures`;
    return minute === 0 ? h : `${h} ${minute}`;
  }
  if (hour === 12 && minute === 0) {
    return 'noon';
  }
  const suffix = hour < 12 ? 'am' : 'pm';
  const h12 = hour % 12 === 0 ? 12 : hour % 12;
  return minute === 0 ? `${h12} ${suffix}` : `${h12}:${String(minute).padStart(2, '0')} ${suffix}`;
}

function dayNumber(parts: LocalDate): number {
  return Date.UTC(parts.year, parts.month - 1, parts.day) / 86_400_000;
}

/** "aujourd’hui à 14 heures", "demain à 9 heures 30", "lundi 30 novembre à 9 heures" (and English). */
export function spokenMoment(at: Date, now: Date, timezone: string, language: ConversationLanguage): string {
  const local = zonedParts(at, timezone);
  const today = zonedParts(now, timezone);
  const clock = spokenClock(local.hour, local.minute, language);
  const days = dayNumber(local) - dayNumber(today);
  if (language === 'fr') {
    if (days === 0) {
      return `aujourd’hui à ${clock}`;
    }
    if (days === 1) {
      return `demain à ${clock}`;
    }
    const dayOfMonth = local.day === 1 ? '1er' : String(local.day);
    return `${DAY_NAMES.fr[local.weekday]} ${dayOfMonth} ${MONTHS.fr[local.month - 1]} à ${clock}`;
  }
  if (days === 0) {
    return `today at ${clock}`;
  }
  if (days === 1) {
    return `tomorrow at ${clock}`;
  }
  return `${DAY_NAMES.en[local.weekday]} ${local.day} ${MONTHS.en[local.month - 1]} at ${clock}`;
}

/** An estimated wait: "moins d’une minute", "environ 5 minutes", "environ 1 heure 10" (and English). */
export function spokenWait(seconds: number, language: ConversationLanguage): string {
  const minutes = Math.round(seconds / 60);
  if (minutes < 1) {
    return language === 'fr' ? 'moins d’une minute' : 'less than a minute';
  }
  if (minutes < 60) {
    if (language === 'fr') {
      return minutes === 1 ? 'environ une minute' : `environ ${minutes} minutes`;
    }
    return minutes === 1 ? 'about one minute' : `about ${minutes} minutes`;
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (language === 'fr') {
    const h = hours === 1 ? '1 heure' : `${hours} heures`;
    return rest === 0 ? `environ ${h}` : `environ ${h} ${rest}`;
  }
  const h = hours === 1 ? '1 hour' : `${hours} hours`;
  return rest === 0 ? `about ${h}` : `about ${h} and ${rest} minutes`;
}

function parseClock(text: string): { hour: number; minute: number } {
  const [h, m] = text.split(':');
  return { hour: Number(h), minute: Number(m ?? 0) };
}

function periodText(open: string, close: string, language: ConversationLanguage): string {
  const o = parseClock(open);
  const c = parseClock(close);
  const from = spokenClock(o.hour, o.minute, language);
  const to = spokenClock(c.hour % 24, c.minute, language);
  return language === 'fr' ? `de ${from} à ${to}` : `${from} to ${to}`;
}

/**
 * The weekly opening hours in one sentence fragment: days with the same periods are grouped ("du lundi au
 * vendredi de 8 heures 30 à 17 heures 30", "Monday to Friday, 8:30 am to 5:30 pm"); closed days are left out.
 */
export function spokenOpeningHours(hours: OpeningHours, language: ConversationLanguage): string {
  const signature = (day: Weekday): string => hours.weekly[day].map((p) => `${p.open}-${p.close}`).join(',');
  const runs: { first: Weekday; last: Weekday; day: Weekday }[] = [];
  for (const day of WEEKDAYS) {
    if (hours.weekly[day].length === 0) {
      continue;
    }
    const previous = runs.at(-1);
    const index = WEEKDAYS.indexOf(day);
    if (
      previous !== undefined &&
      WEEKDAYS.indexOf(previous.last) === index - 1 &&
      signature(previous.day) === signature(day)
    ) {
      previous.last = day;
    } else {
      runs.push({ first: day, last: day, day });
    }
  }
  const names = DAY_NAMES[language];
  const parts = runs.map((run) => {
    const days =
      run.first === run.last
        ? language === 'fr'
          ? `le ${names[run.first]}`
          : `on ${names[run.first]}`
        : language === 'fr'
          ? `du ${names[run.first]} au ${names[run.last]}`
          : `${names[run.first]} to ${names[run.last]}`;
    const periods = hours.weekly[run.day]
      .map((p) => periodText(p.open, p.close, language))
      .join(language === 'fr' ? ' et ' : ' and ');
    return language === 'fr' ? `${days} ${periods}` : `${days}, ${periods}`;
  });
  if (parts.length === 0) {
    return language === 'fr' ? 'sur rendez-vous uniquement' : 'by appointment only';
  }
  return parts.join(language === 'fr' ? ', et ' : '; ');
}

/** The last `count` digits of a number, separated for the ear: "7, 8". */
export function spokenLastDigits(number: string, count = 2): string {
  const digits = number.replace(/\D/g, '');
  return digits.slice(-count).split('').join(', ');
}

/** A French national number read in pairs: "06, 12, 34, 56, 78"; other lengths digit by digit in groups of 3. */
export function spokenPhoneNumber(number: string): string {
  const digits = number.replace(/\D/g, '');
  const size = digits.length === 10 ? 2 : 3;
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += size) {
    groups.push(digits.slice(i, i + size));
  }
  return groups.join(', ');
}
