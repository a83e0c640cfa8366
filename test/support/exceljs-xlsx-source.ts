/** Moved to the parsing lib's test helpers (the ExcelJS reference reader); re-exported for other specs. */
export * from '../../libs/parsing/test/exceljs-xlsx-source';
