//! The package, built by epub-builder: manifest, spine, NCX, the table of
//! contents of the navigation document, metadata it knows about.

use epub_builder::{
    EpubBuilder, EpubContent, EpubVersion, MetadataOpfV3, ReferenceType, TocElement, ZipLibrary,
};

use super::xml;
use crate::error::{Error, Result};

/// One XHTML document of the spine.
#[derive(Debug)]
pub struct Document {
    /// File name, relative to the package document.
    pub file: String,
    /// The XHTML.
    pub xhtml: String,
    /// Its table-of-contents entry (with the sections below it), if any.
    pub toc: Option<TocElement>,
    /// Its landmark type for the OPF guide, if any.
    pub reftype: Option<ReferenceType>,
}

/// A file that is not in the spine.
#[derive(Debug)]
pub struct Resource<'a> {
    /// Path relative to the package document.
    pub path: String,
    /// The data.
    pub bytes: &'a [u8],
    /// Its media type.
    pub media_type: String,
}

/// Everything epub-builder is given.
#[derive(Debug, Default)]
pub struct Package<'a> {
    /// `dc:title`.
    pub title: String,
    /// `dc:creator`s.
    pub authors: Vec<String>,
    /// `dc:language`.
    pub language: String,
    /// `dc:description`.
    pub description: Option<String>,
    /// `dc:rights`.
    pub rights: Option<String>,
    /// `dc:subject`s: the subject, then the keywords.
    pub subjects: Vec<String>,
    /// Further `<meta property>` elements: (property, value).
    pub properties: Vec<(&'static str, String)>,
    /// The stylesheet.
    pub stylesheet: String,
    /// Fonts and images.
    pub resources: Vec<Resource<'a>>,
    /// The cover image, if any.
    pub cover_image: Option<Resource<'a>>,
    /// The spine, in reading order.
    pub documents: Vec<Document>,
}

fn builder_error(e: epub_builder::Error) -> Error {
    Error::Output {
        format: "epub",
        message: e.to_string(),
    }
}

/// Builds the package with epub-builder; returns the zip it writes (to be
/// finished by the post-pass).
pub fn build(package: Package) -> Result<Vec<u8>> {
    let zip = ZipLibrary::new().map_err(builder_error)?;
    let mut builder = EpubBuilder::new(zip).map_err(builder_error)?;
    builder.epub_version(EpubVersion::V30);
    builder.set_generator("quire");
    builder.set_toc_name("Contents");
    builder.set_title(xml::clean(&package.title));
    for author in &package.authors {
        builder.add_author(xml::clean(author));
    }
    builder.add_language(package.language.clone());
    if let Some(description) = &package.description {
        builder.add_description(xml::clean(description));
    }
    if let Some(rights) = &package.rights {
        builder.set_license(xml::clean(rights));
    }
    for subject in &package.subjects {
        builder.add_subject(xml::clean(subject));
    }
    for (property, value) in &package.properties {
        // MetadataOpfV3 writes the value unescaped: escape it here.
        builder.add_metadata_opf(Box::new(MetadataOpfV3::new(
            (*property).to_string(),
            xml::text(value),
        )));
    }
    builder
        .stylesheet(package.stylesheet.as_bytes())
        .map_err(builder_error)?;
    if let Some(cover) = &package.cover_image {
        builder
            .add_cover_image(&cover.path, cover.bytes, cover.media_type.as_str())
            .map_err(builder_error)?;
    }
    for resource in &package.resources {
        builder
            .add_resource(&resource.path, resource.bytes, resource.media_type.as_str())
            .map_err(builder_error)?;
    }
    for document in package.documents {
        let mut content = EpubContent::new(document.file.clone(), document.xhtml.as_bytes());
        if let Some(toc) = document.toc {
            content.toc = toc;
        }
        content.reftype = document.reftype;
        builder.add_content(content).map_err(builder_error)?;
    }
    let mut bytes = Vec::new();
    builder.generate(&mut bytes).map_err(builder_error)?;
    Ok(bytes)
}
