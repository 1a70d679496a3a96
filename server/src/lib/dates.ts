/** 'YYYY-MM-DD', for schemas. Real-date checking is done where the value is used. */
export const DATE_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';
export const MONTH_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$';
