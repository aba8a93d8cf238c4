"""Prints one closing line 'N passed, N failed, N skipped' summed over the .trx files dotnet test wrote."""
import glob, sys, xml.etree.ElementTree as ET

ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(f"{sys.argv[1]}/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    # xunit v3 reports a skipped test as a result with outcome NotExecuted but leaves the notExecuted counter at 0
    results = ET.parse(path).getroot().findall("t:Results/t:UnitTestResult", ns)
    skipped += max(int(counters.get("notExecuted", 0)), sum(1 for r in results if r.get("outcome") == "NotExecuted"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
