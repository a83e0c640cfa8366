/** Moved to the parsing lib's test helpers; re-exported for the e2e specs that build workbooks. */
export * from '../../libs/parsing/test/zip-writer';
