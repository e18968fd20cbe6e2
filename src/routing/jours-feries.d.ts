// @socialgouv/jours-feries ships no types. Its default export maps a holiday's French name to a `Date` built with
// `new Date(year, month, day)`, i.e. midnight in the process's local time zone (see public-holidays.ts).
declare module '@socialgouv/jours-feries' {
  function joursFeries(year: number, options?: { alsace?: boolean }): Record<string, Date>;
  export default joursFeries;
}
