package oscal

// ControlID is the OSCAL control id the catalog export gives the
// requirement ref (the exports of assessment results and plans of action
// name requirements by it, so they line up with the exported catalog).
func ControlID(ref string) string { return newIDs().forRef(ref) }

// UUID is a name-based (version 5) UUID in kitei's namespace: the same name
// always gives the same UUID.
func UUID(name string) string { return uuid5(name) }
