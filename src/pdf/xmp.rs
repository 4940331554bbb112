//! The document's XMP metadata (ISO 16684-1; ISO 32000-1, 14.3.2): the
//! title, authors, description, rights, language and dates of the document
//! information dictionary again, for the tools and print workflows (PDF/X,
//! PDF/A) that read only XMP. Dates are the build's, never the clock's.

use crate::date::Timestamp;
use crate::doc::Metadata;
use crate::epub::xml;

/// An XMP packet for `meta`, dated `date`.
pub(super) fn packet(meta: &Metadata, date: Timestamp, producer: &str) -> String {
    let text = |s: &str| xml::text(&xml::clean(s.trim()));
    let date = date.iso8601();
    let mut out = String::from(
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
         <rdf:Description rdf:about=\"\"\n \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n \
         xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n \
         xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"\n \
         xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n \
         xmlns:pdfuaid=\"http://www.aiim.org/pdfua/ns/id/\">\n\
         <dc:format>application/pdf</dc:format>\n\
         <pdfaid:part>2</pdfaid:part>\n\
         <pdfaid:conformance>U</pdfaid:conformance>\n\
         <pdfuaid:part>1</pdfuaid:part>\n",
    );
    // language alternatives, as XMP writes dc:title
    let alt = |out: &mut String, element: &str, value: &str| {
        out.push_str(&format!(
            "<dc:{element}><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:{element}>\n",
            text(value)
        ));
    };
    alt(&mut out, "title", &meta.title);
    let authors = names(&meta.authors);
    if !authors.is_empty() {
        out.push_str("<dc:creator><rdf:Seq>");
        for author in authors {
            out.push_str(&format!("<rdf:li>{}</rdf:li>", text(author)));
        }
        out.push_str("</rdf:Seq></dc:creator>\n");
    }
    if let Some(description) = description(meta) {
        alt(&mut out, "description", description);
    }
    if let Some(rights) = meta.rights.as_deref().filter(|r| !r.trim().is_empty()) {
        alt(&mut out, "rights", rights);
    }
    let subjects: Vec<&String> = meta
        .subject
        .iter()
        .chain(&meta.keywords)
        .filter(|s| !s.trim().is_empty())
        .collect();
    if !subjects.is_empty() {
        out.push_str("<dc:subject><rdf:Bag>");
        for subject in &subjects {
            out.push_str(&format!("<rdf:li>{}</rdf:li>", text(subject)));
        }
        out.push_str("</rdf:Bag></dc:subject>\n");
    }
    if !meta.keywords.is_empty() {
        out.push_str(&format!(
            "<pdf:Keywords>{}</pdf:Keywords>\n",
            text(&meta.keywords.join(", "))
        ));
    }
    if !meta.language.trim().is_empty() {
        out.push_str(&format!(
            "<dc:language><rdf:Bag><rdf:li>{}</rdf:li></rdf:Bag></dc:language>\n",
            text(&meta.language)
        ));
    }
    out.push_str(&format!(
        "<xmp:CreateDate>{date}</xmp:CreateDate>\n\
         <xmp:ModifyDate>{date}</xmp:ModifyDate>\n\
         <xmp:MetadataDate>{date}</xmp:MetadataDate>\n\
         <xmp:CreatorTool>quire</xmp:CreatorTool>\n\
         <pdf:Producer>{}</pdf:Producer>\n\
         </rdf:Description>\n\
         {PDFUA_SCHEMA}\
         </rdf:RDF>\n\
         </x:xmpmeta>\n\
         <?xpacket end=\"r\"?>",
        text(producer)
    ));
    out
}

/// PDF/A-2 knows only the XMP schemas of its time: the PDF/UA
/// identification (`pdfuaid:part`, ISO 14289-1, 5) is declared as a PDF/A
/// extension schema (ISO 19005-2, 6.6.2.3.3).
const PDFUA_SCHEMA: &str = "<rdf:Description rdf:about=\"\"\n \
 xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\"\n \
 xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\"\n \
 xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n\
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">\n\
<pdfaSchema:schema>PDF/UA identification</pdfaSchema:schema>\n\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\n\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\n\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType=\"Resource\">\n\
<pdfaProperty:name>part</pdfaProperty:name>\n\
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>\n\
<pdfaProperty:category>internal</pdfaProperty:category>\n\
<pdfaProperty:description>The part of ISO 14289 the file conforms to</pdfaProperty:description>\n\
</rdf:li></rdf:Seq></pdfaSchema:property>\n\
</rdf:li></rdf:Bag></pdfaExtension:schemas>\n\
</rdf:Description>\n";

/// The authors that have a name (the document information's `Author`
/// and the XMP's `dc:creator` list the same).
pub(super) fn names(authors: &[String]) -> Vec<&str> {
    authors
        .iter()
        .map(String::as_str)
        .filter(|a| !a.trim().is_empty())
        .collect()
}

/// The book's description, if it has one (the document information's
/// `Subject` and the XMP's `dc:description`).
pub(super) fn description(meta: &Metadata) -> Option<&str> {
    meta.description.as_deref().filter(|d| !d.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_packet_carries_the_metadata_escaped_and_dated_by_the_build() {
        let meta = Metadata {
            title: "Fish & <Chips>".into(),
            authors: vec!["A. Writer".into(), " ".into()],
            language: "en".into(),
            ..Metadata::default()
        };
        let date = Timestamp::parse_date("2021-08-12").unwrap();
        let xmp = packet(&meta, date, "quire");
        assert!(
            xmp.contains("<rdf:li xml:lang=\"x-default\">Fish &amp; &lt;Chips&gt;</rdf:li>"),
            "{xmp}"
        );
        assert!(
            xmp.contains("<dc:creator><rdf:Seq><rdf:li>A. Writer</rdf:li></rdf:Seq></dc:creator>")
        );
        assert!(xmp.contains("<xmp:CreateDate>2021-08-12T00:00:00Z</xmp:CreateDate>"));
        assert!(!xmp.contains("dc:description"), "no empty description");
        // (PDF/A-2u, ISO 19005-2: the part and conformance it claims)
        assert!(xmp.contains("<pdfaid:part>2</pdfaid:part>"), "{xmp}");
        assert!(
            xmp.contains("<pdfaid:conformance>U</pdfaid:conformance>"),
            "{xmp}"
        );
        assert!(xmp.starts_with("<?xpacket begin=") && xmp.ends_with("<?xpacket end=\"r\"?>"));
    }
}
