// A warm EPUBCheck for the tests: reads one EPUB path a line on stdin and,
// for each, prints EPUBCheck's messages and then a line
// `@@RESULT <errors incl. fatal> <warnings>` on stdout. One JVM start-up
// (several seconds of CPU) for a whole test run instead of one per EPUB.
//
// Run as a single-file program (Java 11+):
//   java -cp epubcheck.jar tests/hostile/EpubCheckServer.java

import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.util.DefaultReportImpl;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

public class EpubCheckServer {
    public static void main(String[] args) throws Exception {
        System.setErr(System.out);
        BufferedReader in =
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String path;
        while ((path = in.readLine()) != null) {
            int errors = -1, warnings = -1;
            try {
                DefaultReportImpl report = new DefaultReportImpl(path);
                new EpubCheck(new File(path), report).doValidate();
                errors = report.getErrorCount() + report.getFatalErrorCount();
                warnings = report.getWarningCount();
            } catch (Throwable t) {
                System.out.println("EPUBCheck failed: " + t);
            }
            System.out.println("@@RESULT " + errors + " " + warnings);
            System.out.flush();
        }
    }
}
